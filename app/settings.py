from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class InvalidSetting(ValueError):
    """An environment variable that cannot mean anything; the process refuses to start."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidSetting(f"{name} must be a whole number, not {raw!r}") from None


def _at_least(env: dict[str, str], name: str, default: int, low: int) -> int:
    value = _int(env, name, default)
    if value < low:
        raise InvalidSetting(f"{name} must be at least {low}, not {value}")
    return value


def _percent(env: dict[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if not 0 <= value <= 100:
        raise InvalidSetting(f"{name} must be between 0 and 100, not {value}")
    return value


def _flag(env: dict[str, str], name: str) -> bool:
    raw = env.get(name, "")
    if raw not in ("", "0", "1"):
        raise InvalidSetting(f"{name} must be 1 or 0, not {raw!r}")
    return raw == "1"


@dataclass(frozen=True)
class Settings:
    # None means "start the embedded server in data_dir" (development and tests).
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data"
    # Every Redis key, stream and pub/sub channel of ours starts with this.
    redis_prefix: str = "ii:"
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    token_ttl_seconds: int = 7 * 24 * 3600
    # Argon2 cost: the library's defaults (RFC 9106 low-memory profile); tests lower them.
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    login_failures_per_email: int = 5
    login_failure_window_seconds: int = 60
    login_attempts_per_address_per_minute: int = 60
    cors_origins: tuple[str, ...] = ("*",)
    # /metrics needs `Authorization: Bearer <metrics_token>`; unset, only loopback clients get it.
    metrics_token: str | None = None
    # Collaborator adds (each one looks an account up by email) an instructor may make an hour.
    collaborator_adds_per_hour: int = 20
    hold_minutes_default: int = 10
    # Money-moving requests (app.core.admission) served at once per web process, below its pool's 20
    # connections: 8 checkouts of ~20 ms CPU around a 300 ms Stripe call keep about half its core busy.
    checkout_concurrency: int = 8
    # Beyond this many waiting, or after this long waiting, such a request is a 503 `busy`.
    checkout_queue: int = 500
    checkout_wait_seconds: int = 30
    # Realtime history: each channel keeps at least this many events.
    channel_history: int = 1000
    # An editor whose process vanished leaves the presence list after this long.
    presence_expire_seconds: int = 30
    log_level: str = "INFO"
    port: int = 8000
    # Unset: `python -m app dev` and the tests start the local S3 stand-in (standins/s3) and set it.
    s3_endpoint_url: str | None = None
    s3_bucket: str = "instainstru"
    s3_access_key: str = "test"
    s3_secret_key: str = "test"
    s3_region: str = "us-east-1"
    # Unset: the local Stripe stand-in (standins/stripe), reached at stripe_api_base.
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    # Where the SDK sends its calls: set by `python -m app dev` and the tests to the stand-in they
    # start; unset with a secret key, Stripe itself; unset without one, the stand-in's fixed port.
    stripe_api_base: str | None = None
    stripe_standin_port: int = 12111
    stripe_webhook_secret: str = "whsec_dev"
    # A lesson nobody marks is completed this long after its end.
    auto_complete_hours: int = 24
    # An instant payout's fee: this percent of it, at least INSTANT_PAYOUT_MIN_FEE_CENTS.
    instant_payout_fee_percent: int = 1
    # One clock moved by admins (POST /api/test/clock), shared through Redis; never with a live key.
    test_clock: bool = False
    # The platform's share of each delivered lesson's price, rounded half up (app.payments.money).
    platform_fee_percent: int = 15
    # A referred student's credit at its first booking, and its referrer's once that lesson is delivered.
    referral_credit_cents: int = 2000
    # Tests only: `kill_before_relay` makes a web process SIGKILL itself between a change's commit
    # and its relay, the crash the outbox exists for (tests/core/test_outbox.py);
    # `kill_after_authorize` / `kill_after_capture` make a worker SIGKILL itself right after Stripe
    # answered and before the answer is recorded (tests/payments/test_lifecycle.py), as
    # `kill_after_transfer` does for an earning's transfer (tests/payments/test_earnings.py).
    fault_injection: str | None = None

    def __post_init__(self) -> None:
        if self.test_clock and (self.stripe_secret_key or "").startswith("sk_live_"):
            raise InvalidSetting("TEST_CLOCK=1 is refused with a live Stripe key (sk_live_...)")

    @property
    def stripe_standin(self) -> bool:
        """No secret key: every Stripe call goes to the local stand-in."""
        return not self.stripe_secret_key

    @property
    def stripe_base_url(self) -> str | None:
        if self.stripe_api_base or not self.stripe_standin:
            return self.stripe_api_base
        return f"http://127.0.0.1:{self.stripe_standin_port}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            data_dir=Path(env.get("DATA_DIR") or defaults.data_dir),
            redis_prefix=env.get("REDIS_PREFIX", defaults.redis_prefix),
            secret_key=env.get("SECRET_KEY") or _dev_secret(Path(env.get("DATA_DIR") or defaults.data_dir)),
            token_ttl_seconds=_int(env, "TOKEN_TTL_SECONDS", defaults.token_ttl_seconds),
            password_time_cost=_int(env, "PASSWORD_TIME_COST", defaults.password_time_cost),
            password_memory_kib=_int(env, "PASSWORD_MEMORY_KIB", defaults.password_memory_kib),
            login_failures_per_email=_int(env, "LOGIN_FAILURES_PER_EMAIL", defaults.login_failures_per_email),
            login_failure_window_seconds=_int(
                env, "LOGIN_FAILURE_WINDOW_SECONDS", defaults.login_failure_window_seconds
            ),
            login_attempts_per_address_per_minute=_int(
                env, "LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE", defaults.login_attempts_per_address_per_minute
            ),
            cors_origins=tuple(o for o in env.get("CORS_ORIGINS", "*").split(",") if o),
            metrics_token=env.get("METRICS_TOKEN") or None,
            collaborator_adds_per_hour=_int(env, "COLLABORATOR_ADDS_PER_HOUR", defaults.collaborator_adds_per_hour),
            checkout_concurrency=_at_least(env, "CHECKOUT_CONCURRENCY", defaults.checkout_concurrency, 1),
            checkout_queue=_at_least(env, "CHECKOUT_QUEUE", defaults.checkout_queue, 0),
            checkout_wait_seconds=_at_least(env, "CHECKOUT_WAIT_SECONDS", defaults.checkout_wait_seconds, 1),
            channel_history=_int(env, "CHANNEL_HISTORY", defaults.channel_history),
            presence_expire_seconds=_int(env, "PRESENCE_EXPIRE_SECONDS", defaults.presence_expire_seconds),
            log_level=env.get("LOG_LEVEL", defaults.log_level),
            port=_int(env, "PORT", defaults.port),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
            s3_bucket=env.get("S3_BUCKET", defaults.s3_bucket),
            s3_access_key=env.get("S3_ACCESS_KEY", defaults.s3_access_key),
            s3_secret_key=env.get("S3_SECRET_KEY", defaults.s3_secret_key),
            s3_region=env.get("S3_REGION", defaults.s3_region),
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or None,
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
            stripe_standin_port=_int(env, "STRIPE_STANDIN_PORT", defaults.stripe_standin_port),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or defaults.stripe_webhook_secret,
            auto_complete_hours=_int(env, "AUTO_COMPLETE_HOURS", defaults.auto_complete_hours),
            instant_payout_fee_percent=_percent(env, "INSTANT_PAYOUT_FEE_PERCENT", defaults.instant_payout_fee_percent),
            test_clock=_flag(env, "TEST_CLOCK"),
            platform_fee_percent=_percent(env, "PLATFORM_FEE_PERCENT", defaults.platform_fee_percent),
            referral_credit_cents=_int(env, "REFERRAL_CREDIT_CENTS", defaults.referral_credit_cents),
            fault_injection=env.get("FAULT_INJECTION") or None,
        )

    def with_services(self, database_url: str, redis_url: str) -> Settings:
        return replace(self, database_url=database_url, redis_url=redis_url)


def _dev_secret(data_dir: Path) -> str:
    """Without SECRET_KEY, every process on this machine shares one generated key kept in data_dir."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        os.replace(tmp, path) if not path.exists() else tmp.unlink()
    return path.read_text().strip()
