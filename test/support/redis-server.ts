export * from '../../devtools/redis-server.ts';
