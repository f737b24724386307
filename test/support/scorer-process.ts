export * from '../../devtools/scorer-process.ts';
