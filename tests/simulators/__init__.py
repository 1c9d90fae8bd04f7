"""Test-only simulators of providers the demo does not ship (1Ticket, Ticket Evolution).

They serve real loopback HTTP like the shipped Ticket Tailor box office (`checkin_app.sandbox`),
whose server and fault pieces they reuse; only tests and benches import them.
"""
