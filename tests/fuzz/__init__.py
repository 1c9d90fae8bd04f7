"""Property-based fuzzing with a fixed budget (issue 14): any input ends in a clear refusal, never a
500, a hang or an unhandled exception. Each test sets `max_examples` and `derandomize=True`, so a CI
run is bounded and repeatable."""
