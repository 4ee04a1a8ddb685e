"""A local Stripe: a stateful HTTP server speaking the Stripe REST API (v1, form-encoded, Stripe's
object and error shapes) for exactly the calls a marketplace with manual-capture payments and
Connect Express makes, driven by the real `stripe` SDK through its base addresses. It imports
nothing from `app/`. README.md beside this file lists what it covers and its control endpoints.

How the platform uses it (STRIPE_SECRET_KEY unset):

    from standins.stripe.launch import start_stripe_standin

    standin = start_stripe_standin(data_dir / "stripe", webhook_url=..., webhook_secret=...)
    client = stripe.StripeClient(
        "sk_test_standin",  # any sk_test_… key; others get 401
        base_addresses={"api": standin.base_url, "connect": standin.base_url, "files": standin.base_url},
        http_client=stripe.HTTPXClient(),
    )
    await client.v1.payment_intents.create_async({...}, {"idempotency_key": "booking:1:authorize:1"})
    standin.configure(webhook_url=...)            # switches, at any time
    standin.control("POST", "clock", advance_seconds=86400)
    standin.state()                               # what happened at "Stripe", for audits
    standin.stop()

Modules: one per resource family (customers, payment_methods, payment_intents, charges, refunds, connect,
transfers, payouts, identity, events), `cards` (test payment methods), `webhooks` (signed
delivery), `hosted` (onboarding, identity and 3DS pages), `control` (/_standin/), `faults` (the
`fail_next` switch: 500/503/429 answers), `server` (ASGI),
`store` (sqlite3 state), `launch` (subprocess launcher).
"""
