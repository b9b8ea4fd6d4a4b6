// The part of autocannon (it ships no types) that test/bench/api-bench.ts uses.
declare module 'autocannon' {
  /** One request of the sequence each connection cycles through. */
  export interface AutocannonRequest {
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }

  export interface AutocannonOptions {
    url: string;
    /** Worker threads firing requests (connections are divided among them, rates are per worker). */
    workers?: number;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Requests per second over all connections. */
    overallRate?: number;
    /** Seconds before a request counts as timed out (default 10). */
    timeout?: number;
    requests?: AutocannonRequest[];
  }

  /** Percentiles and summary of one statistic (latency in ms, requests per second, bytes). */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p99: number;
    p99_9: number;
  }

  export interface AutocannonResult {
    latency: Histogram;
    requests: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }

  export default function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
}
