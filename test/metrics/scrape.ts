// Scraping /metrics as Prometheus would (GET over the unix socket or TCP, Basic auth when asked)
// and reading it with a real text-format parser, plus the checks that parser leaves out.
import assert from 'node:assert/strict';
import http from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export function getOverSocket(socketPath: string, path: string, method = 'GET'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getOverInet(port: number, path: string, authorization?: string): Promise<HttpAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: authorization ? { Authorization: authorization } : {} });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

export interface Metrics {
  families: Map<string, parsePrometheusTextFormat.Family>;
  /** the sample of `name` whose labels are exactly `labels`; throws when there is none */
  value(name: string, labels?: Record<string, string>): number;
  /** undefined when absent */
  find(name: string, labels?: Record<string, string>): number | undefined;
  /** every sample of a family, with its labels */
  samples(name: string): { labels: Record<string, string>; value: number }[];
}

const SAMPLE_VALUE = /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?Inf|NaN)$/;

/** Parse the exposition text; fails the test on anything Prometheus would refuse or warn about. */
export function parseMetrics(text: string): Metrics {
  const parsed = parsePrometheusTextFormat(text);
  const families = new Map<string, parsePrometheusTextFormat.Family>();
  for (const family of parsed) {
    assert.ok(!families.has(family.name), `family ${family.name} appears twice`);
    assert.notEqual(family.type, 'UNTYPED', `family ${family.name} has no TYPE`);
    assert.ok(family.help.length > 0, `family ${family.name} has no HELP`);
    for (const sample of family.metrics) {
      for (const v of [sample.value, sample.count, sample.sum, ...Object.values(sample.buckets ?? {})]) {
        if (v !== undefined) assert.match(v, SAMPLE_VALUE, `${family.name} has a sample value that is not a number: ${v}`);
      }
    }
    families.set(family.name, family);
  }
  const samples = (name: string): { labels: Record<string, string>; value: number }[] => {
    const family = families.get(name);
    assert.ok(family, `no family ${name}`);
    return family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
  };
  const find = (name: string, labels: Record<string, string> = {}): number | undefined => {
    const want = JSON.stringify(Object.entries(labels).sort());
    return samples(name).find((s) => JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
  };
  return {
    families,
    samples,
    find,
    value(name, labels = {}) {
      const value = find(name, labels);
      assert.notEqual(value, undefined, `no sample ${name}${JSON.stringify(labels)}`);
      return value!;
    },
  };
}
