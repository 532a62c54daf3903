"""Which server addresses a visitor may make this server call: only public ones, decided
after the name is resolved (support_agent/models/addresses.py)."""

from __future__ import annotations

import pytest

from support_agent.models import ModelConfigError, check_server
from support_agent.models.addresses import RefusedAddress, check_public_url

INSIDE = "points at this machine"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/v1",  # a name that resolves to 127.0.0.1
        "http://127.0.0.1:8000/v1",
        "http://[::1]:8000/v1",
        "http://[::ffff:127.0.0.1]/v1",  # IPv4-mapped IPv6
        "http://[::ffff:a9fe:a9fe]/latest/meta-data",  # 169.254.169.254, mapped
        "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",  # 127.0.0.1 in hexadecimal, short form
        "http://017700000001/",  # 127.0.0.1 in octal
        "http://0.0.0.0:8000/",  # unspecified
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1:11434/",
        "http://100.64.0.1/",  # shared address space (CGNAT)
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://[fd00:ec2::254]/",  # its IPv6 address on AWS
        "http://[fe80::1]/",  # link-local
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.google.internal./",  # the same name, shouted, fully qualified
    ],
)
def test_addresses_inside_are_refused_after_resolving_them(url):
    with pytest.raises(RefusedAddress, match=INSIDE):
        check_public_url(url)


@pytest.mark.parametrize("url", ["ftp://93.184.215.14/", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https_are_called(url):
    with pytest.raises(RefusedAddress, match="Only http:// and https://"):
        check_public_url(url)


@pytest.mark.parametrize("url", ["", "http:///v1", "http://[::1/"])
def test_an_address_without_a_host_is_refused(url):
    with pytest.raises(RefusedAddress):
        check_public_url(url)


@pytest.mark.parametrize(
    "url", ["http://93.184.215.14:8000/v1", "https://[2606:4700:4700::1111]/v1"]
)
def test_public_addresses_may_be_called(url):
    assert check_public_url(url)  # literals: resolved without asking a DNS server


def test_the_model_layer_says_why_in_words():
    with pytest.raises(ModelConfigError, match=INSIDE):
        check_server("http://localhost:11434")
