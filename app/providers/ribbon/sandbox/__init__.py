"""The Ribbon sandbox: a stand-in for Ribbon speaking its documented API, for development, demos, tests and benchmarks."""
