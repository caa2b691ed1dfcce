"""Chinese for the messages argparse prints (a wrong option, a missing argument), and for the word Django puts
before a refused command's message, so a person at the terminal never gets an English error from `zhengai`.
Python ships no Chinese catalog for argparse."""

from __future__ import annotations

import argparse

MESSAGES = {
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s（查看用法：加 --help）\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "最多只能有一个值",
    "expected one argument": "需要一个值",
    "ignored explicit argument %r": "多余的值 %r",
    "invalid %(type)s value: %(value)r": "值 %(value)r 不是有效的 %(type)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "%(value)r 不是可选值（可选：%(choices)s）",
    "not allowed with argument %s": "不能与参数 %s 同用",
    "one of the arguments %s is required": "参数 %s 必须给出其一",
    "options": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "usage: ": "用法：",
}
TYPES = {"int": "整数", "float": "数字"}


def _translate(message: str) -> str:
    return MESSAGES.get(message, message)


def install() -> None:
    """Make argparse speak Chinese for this process (the `zhengai` command only)."""
    argparse._ = _translate  # argparse looks the name up at call time
    original = argparse.ArgumentParser._get_value

    def _get_value(self, action, arg_string):
        try:
            return original(self, action, arg_string)
        except argparse.ArgumentError as exc:
            for english, chinese in TYPES.items():
                exc.message = exc.message.replace(f"不是有效的 {english}", f"不是有效的{chinese}")
            raise

    argparse.ArgumentParser._get_value = _get_value
    # Django prints a refused command as "<class name>: <message>"; the message is Chinese already, so the
    # class name a person reads before it is too ("错误：没有代码为…的数据源").
    from django.core.management.base import CommandError

    CommandError.__name__ = "错误"
