import Testing

/// The suites that load the whole machine — swarms of hundreds of agents, the soak, fault
/// injection with real hub and agent processes, schemathesis against a live demo. Nested here
/// they run one at a time (`.serialized` holds for every suite inside), and `Scripts/test.sh`
/// runs them in a pass of their own after the parallel one, so they never share the two cores
/// with the latency-sensitive suites or with each other.
@Suite(.serialized) enum HeavySuites {}
