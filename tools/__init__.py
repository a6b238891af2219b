"""Developer and operator tooling: start the stack, train when needed, benchmarks."""
