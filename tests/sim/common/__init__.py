"""Machinery shared by pm's API simulators (tests/sim/*): HTTP plumbing, routing, fault
injection, the request log with secret masking, JSON body schemas, a lazy event timeline,
control endpoints and the command-line runner. Nothing here knows a particular API: each
simulator plugs in an App (see server.App) that renders its own error bodies and routes."""
