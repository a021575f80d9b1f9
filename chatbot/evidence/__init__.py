"""The /checksite evidence engine: one module per date source, a combiner that weighs what they
say, an engine that runs them concurrently under deadlines, and report renderers."""
