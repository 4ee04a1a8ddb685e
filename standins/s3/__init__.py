"""A local S3-compatible server for development and tests: moto's server mode, plus the two checks
of presigned URLs the platform relies on that moto leaves out (expiry and the signature)."""
