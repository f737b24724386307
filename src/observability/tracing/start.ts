/**
 * The tracing SDK for the process (tracing.enabled): one tracer provider on the main thread, sampling
 * left to the pipeline (sampling.ts decides per record, so the SDK keeps every span it is asked for),
 * and, with tracing.otlpEndpoint, a batch span processor exporting over OTLP/HTTP (JSON). Its queue is
 * bounded: when the collector is slow or down, spans beyond it are dropped, never waited for, so tracing
 * neither blocks the pipeline nor grows memory. The provider is not registered globally: nothing else
 * in the process traces through it by accident.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ScorerConfig } from '../../config/types.ts';
import { PipelineTracer } from './pipeline-tracer.ts';

/** Spans waiting for export; more are dropped (the SDK's default size). */
const MAX_QUEUE = 2048;
const MAX_EXPORT_BATCH = 512;
const EXPORT_INTERVAL_MS = 1000;
const EXPORT_TIMEOUT_MS = 10000;

export interface RunningTracing {
  readonly tracer: PipelineTracer;
  /** Exports what is queued and stops; gives up after `timeoutMs` (the shutdown deadline's share). */
  shutdown(timeoutMs: number): Promise<void>;
}

export function startTracing(config: ScorerConfig['tracing'], version: string): RunningTracing {
  const spanProcessors: SpanProcessor[] = [];
  if (config.otlpEndpoint !== undefined) {
    const exporter = new OTLPTraceExporter({ url: config.otlpEndpoint, timeoutMillis: EXPORT_TIMEOUT_MS });
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: MAX_QUEUE,
        maxExportBatchSize: MAX_EXPORT_BATCH,
        scheduledDelayMillis: EXPORT_INTERVAL_MS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    );
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': version }),
    sampler: new AlwaysOnSampler(),
    spanProcessors,
  });
  const tracer = new PipelineTracer({
    tracer: provider.getTracer('stream-scorer', version),
    samplingRatio: config.samplingRatio,
    now: () => performance.timeOrigin + performance.now(),
    random: Math.random,
  });
  return {
    tracer,
    shutdown: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([provider.shutdown().catch(() => undefined), timedOut]);
      clearTimeout(timer);
    },
  };
}
