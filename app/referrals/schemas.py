from __future__ import annotations

import msgspec


class ReferralOut(msgspec.Struct):
    code: str
    url: str
    # Users who signed up with the code (self-referrals under another alias not counted).
    referred: int
    earned_cents: int
