"""Password rules: long enough, not the user name, not one of the passwords every guesser tries first."""

from __future__ import annotations

import datetime as dt

from hotline.auth.policy import AuthPolicy
from hotline.core.errors import DomainError

# The head of the public leaked-password rankings (SplashData/NordPass lists and the CSDN/163 leaks that
# Chinese guessers start from). Compared case-insensitively and without separators.
COMMON_PASSWORDS = frozenset(
    [
        "123456",
        "123456789",
        "12345678",
        "1234567890",
        "password",
        "password1",
        "password123",
        "qwerty",
        "qwerty123",
        "qwertyuiop",
        "11111111",
        "111111111",
        "1111111111",
        "00000000",
        "000000000",
        "88888888",
        "66666666",
        "99999999",
        "12341234",
        "123123123",
        "1234qwer",
        "1qaz2wsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "qazwsxedc",
        "zxcvbnm123",
        "asdfghjkl",
        "abc12345",
        "abcd1234",
        "a1234567",
        "a12345678",
        "a123456789",
        "aa123456",
        "aa12345678",
        "aaa123456",
        "iloveyou",
        "iloveyou1",
        "woaini1314",
        "woaini520",
        "5201314520",
        "1314520520",
        "admin123",
        "admin1234",
        "admin12345",
        "administrator",
        "admin@123",
        "root123456",
        "welcome1",
        "welcome123",
        "letmein123",
        "sunshine1",
        "princess1",
        "football1",
        "dragon123",
        "monkey123",
        "master123",
        "superman1",
        "qq123456",
        "qq1234567",
        "asd123456",
        "zxc123456",
        "147258369",
        "987654321",
        "9876543210",
        "123654789",
        "159753456",
        "123qweasd",
        "qweasdzxc",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "changeme",
        "changeme123",
        "test12345",
        "testtest12",
        "hotline12345",
        "12345hotline",
        "zhang123456",
        "wang123456",
        "li123456",
    ]
)


def _normalised(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "@")


def check_password(password: str, username: str, policy: AuthPolicy) -> None:
    """Refuse (422 ``weak_password``) a password that breaks the centre's rules; say which rule."""
    if len(password) < policy.password_min_length:
        raise DomainError(422, "weak_password", f"密码至少 {policy.password_min_length} 位", field="password")
    if len(password) > 256:
        raise DomainError(422, "weak_password", "密码最多 256 位", field="password")
    plain = _normalised(password)
    if username and _normalised(username) and _normalised(username) in plain:
        raise DomainError(422, "weak_password", "密码不能包含用户名", field="password")
    if plain in COMMON_PASSWORDS or password.lower() in COMMON_PASSWORDS or len(set(password)) <= 2:
        raise DomainError(422, "weak_password", "密码过于常见，容易被猜中，请换一个", field="password")
    if plain.isdigit() and plain in "01234567890123456789" + "98765432109876543210":
        raise DomainError(422, "weak_password", "密码不能是连续数字", field="password")


def password_expired(changed_at: dt.datetime | None, now: dt.datetime, policy: AuthPolicy) -> bool:
    """Tell whether a password set at ``changed_at`` is past the centre's maximum age."""
    if policy.password_max_age_days <= 0:
        return False
    if changed_at is None:  # set before ages were kept: it must be renewed once
        return True
    return now - changed_at > dt.timedelta(days=policy.password_max_age_days)
