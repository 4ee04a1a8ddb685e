"""Stand-ins for the outside services the platform talks to, for development and tests only.

Nothing here imports the product (`app/`): each stand-in is a server of its own that speaks the
outside service's wire protocol, so the product's real client code runs against it unchanged.
`standins.stripe` speaks the Stripe REST API (see its README.md).
"""
