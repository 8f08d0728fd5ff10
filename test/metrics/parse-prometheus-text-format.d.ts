// Types for parse-prometheus-text-format (it ships none): prom2json's shape.
declare module 'parse-prometheus-text-format' {
  namespace parsePrometheusTextFormat {
    interface Sample {
      value?: string;
      labels?: Record<string, string>;
      buckets?: Record<string, string>;
      quantiles?: Record<string, string>;
      count?: string;
      sum?: string;
    }
    interface Family {
      name: string;
      help: string;
      /** COUNTER, GAUGE, HISTOGRAM, SUMMARY or UNTYPED */
      type: string;
      metrics: Sample[];
    }
  }
  /** Throws InvalidLineError on a line that is not the text format. */
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.Family[];
  export = parsePrometheusTextFormat;
}
