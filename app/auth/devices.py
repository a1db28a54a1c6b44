"""A short name for the phone or computer behind a User-Agent: "Android · WeChat".

Enough for a person to tell their phones apart on "Your phones"; not a browser census.
"""

import re

from app.models.sign_in import DEVICE_MAX_LENGTH

# First match wins: an iPhone's User-Agent also says "Mac OS X", an Android's says "Linux".
SYSTEMS = (
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("HarmonyOS", re.compile(r"HarmonyOS|OpenHarmony")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Mac", re.compile(r"Macintosh|Mac OS X")),
    ("Linux", re.compile(r"Linux")),
)

# Apps with a browser inside come first: WeChat on Android also says "Chrome" and "Safari".
BROWSERS = (
    ("WeChat", re.compile(r"MicroMessenger")),
    ("WeCom", re.compile(r"wxwork")),
    ("DingTalk", re.compile(r"DingTalk", re.IGNORECASE)),
    ("Feishu", re.compile(r"Lark|Feishu")),
    ("QQ", re.compile(r"\bQQ/")),
    ("QQ Browser", re.compile(r"MQQBrowser|QQBrowser")),
    ("UC Browser", re.compile(r"UCBrowser|UCWEB")),
    ("Quark", re.compile(r"Quark")),
    ("Huawei Browser", re.compile(r"HuaweiBrowser")),
    ("Mi Browser", re.compile(r"MiuiBrowser|XiaoMi")),
    ("Samsung Internet", re.compile(r"SamsungBrowser")),
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Firefox", re.compile(r"Firefox|FxiOS")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Chrome", re.compile(r"Chrome|CriOS|Chromium")),
    ("Safari", re.compile(r"Safari")),
)


def describe(user_agent: str) -> str:
    """"iPhone · Safari", "Android", or "" when nothing in it is recognised."""
    found = [
        next((name for name, pattern in table if pattern.search(user_agent)), None)
        for table in (SYSTEMS, BROWSERS)
    ]
    return " · ".join(name for name in found if name)[:DEVICE_MAX_LENGTH]
