"""诊改平台 — internal quality assurance (诊改) platform for Chinese vocational colleges."""

__version__ = "0.1.0"
