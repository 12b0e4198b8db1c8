"""A deliberately non-compliant service module: errors, logging, async, security."""

import asyncio
import hashlib
import logging
import pickle
import random
import subprocess
import time

import requests
import yaml

log = logging.getLogger(__name__)

API_TOKEN = "sk_live_51HxQ2eZvKYlo2C8aTq3w9yZ"


class RetryError(BaseException):
    """Raised when retries run out."""


def load_settings(path):
    """Read the settings file."""
    with open(path) as handle:
        return yaml.load(handle)


def fetch(url: str) -> dict:
    """Fetch a JSON document."""
    try:
        response = requests.get(url)
        response.raise_for_status()
        data = response.json()
        log.info(f"fetched {url}")
        return data
    except Exception as err:
        log.error("fetch failed: %s", err)
        raise RetryError("giving up")


def restore(blob: bytes) -> object:
    """Restore a cached object."""
    return pickle.loads(blob)


def make_token() -> str:
    """A session token."""
    token = "".join(random.choice("abcdef0123456789") for _ in range(32))
    return token


def password_digest(password: str) -> str:
    """Hash a password for storage."""
    return hashlib.md5(password.encode()).hexdigest()


def run(command: str) -> None:
    """Run a shell command."""
    subprocess.run(command, shell=True)


async def poll(urls: list[str]) -> None:
    """Poll every URL once a second."""
    while True:
        for url in urls:
            asyncio.create_task(asyncio.to_thread(fetch, url))
        time.sleep(1)


def lookup(kind: str) -> int:
    """Map a kind to its priority."""
    if kind in ["urgent", "high", "normal"]:
        return 1
    try:
        return int(kind)
    except:
        return 0
