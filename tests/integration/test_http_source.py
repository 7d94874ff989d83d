"""HttpOperatorSource against a real HTTP server on 127.0.0.1 playing the operator."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hotelops.core.config import ApiEndpoint
from hotelops.core.scan.formats import alpinebits, jsonfeed, ota
from hotelops.core.scan.limits import DEFAULT_LIMITS
from hotelops.core.scan.sources.base import SourceError
from hotelops.core.scan.sources.http import HttpOperatorSource
from tests.poison import MB, json_feed, nested_json
from tests.servers.operator_http import OperatorServer, operator_server, run_operator_server

__all__ = ["operator_server"]  # the fixture, imported so pytest finds it here

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
STANDARDS = REPO / "tests" / "standards"
SECRET = "tuip-s3cret-value"
ENV = {"HOTELOPS_TUIP_SECRET": SECRET}
NOW = datetime(2026, 5, 15, 8, 0, tzinfo=UTC)


def endpoint(server: OperatorServer, fmt: str = "ota", **settings: Any) -> ApiEndpoint:
    values: dict[str, Any] = {
        "operator": "TUIP",
        "base_url": server.url(fmt),
        "format": fmt,
        "auth": server.auth,
        "user": server.user,
        "secret_env": "HOTELOPS_TUIP_SECRET",
        "api_key_header": server.api_key_header,
        "timeout_seconds": 5,
        "retries": 3,
    }
    values.update(settings)
    return ApiEndpoint(**values)


def source(
    server: OperatorServer, fmt: str = "ota", *, sleeps: list[float] | None = None, **settings: Any
) -> HttpOperatorSource:
    recorder: list[float] = sleeps if sleeps is not None else []
    return HttpOperatorSource(
        endpoint(server, fmt, **settings),
        "KIV",
        env=ENV,
        sleep=recorder.append,
        now=lambda: NOW,
        hotel_name="Kivima Hotel",
    )


def xsd(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(STANDARDS / path)))


def assert_secret_kept_out_of_urls(server: OperatorServer) -> None:
    for request in server.requests:
        assert SECRET not in request.path and SECRET not in request.query
        assert request.query == ""


# ------------------------------------------------------------------------------------ OTA


def test_ota_pull_posts_a_valid_read_rq_with_bearer_auth_and_yields_the_answer() -> None:
    with run_operator_server(auth="bearer", secret=SECRET) as server:
        answer = (FIXTURES / "ota" / "TUIP-04-pull-two-new.xml").read_bytes()
        server.queue("ota", answer)
        with source(server) as tuip:
            [item] = list(tuip.fetch())
        assert item.data == answer
        assert (item.source, item.operator_code, item.format) == ("http:TUIP", "TUIP", "ota")
        assert item.source_ref == "tuip-pull-20260515-0800"  # the operator's EchoToken
        assert item.received_at == NOW
        assert [r.voucher for r in ota.parse(item.data)] == ["79205518", "79205560"]

        [request] = server.requests
        assert (request.method, request.path) == ("POST", "/ota")
        assert request.header("Authorization") == f"Bearer {SECRET}"
        assert request.header("Content-Type").startswith("text/xml")
        read_rq = etree.fromstring(request.body)
        validator = xsd("ota2015a/OTA_ReadRQ.xsd")
        assert validator.validate(read_rq), validator.error_log
        assert read_rq.find(f".//{{{ota.OTA_NS}}}HotelReadRequest").get("HotelCode") == "KIV"
        assert_secret_kept_out_of_urls(server)


def test_ota_acknowledgement_sends_a_valid_notif_report_for_the_stored_ids() -> None:
    with run_operator_server(auth="bearer", secret=SECRET) as server:
        server.queue("ota", (FIXTURES / "ota" / "TUIP-04-pull-two-new.xml").read_bytes())
        with source(server) as tuip:
            [item] = list(tuip.fetch())
            ack_ids = [r.ack_id for r in ota.parse(item.data)]
            tuip.acknowledge(ack_ids)
            logs = tuip.logs()
        assert server.acked_ids("ota") == ["79205518", "79205560"]
        notif = etree.fromstring(server.requests[-1].body)
        validator = xsd("ota2015a/OTA_NotifReportRQ.xsd")
        assert validator.validate(notif), validator.error_log
        assert server.requests[-1].header("Authorization") == f"Bearer {SECRET}"
        assert [log.level for log in logs] == ["info"]
        assert "acknowledged 2 reservation(s): 79205518, 79205560" in logs[0].message


def test_an_empty_pull_yields_nothing_and_says_so(operator_server: OperatorServer) -> None:
    with source(operator_server) as tuip:
        assert list(tuip.fetch()) == []
        assert [log.message for log in tuip.logs()] == ["TUIP: no new reservations"]


def test_an_errors_answer_is_a_source_error(operator_server: OperatorServer) -> None:
    operator_server.queue(
        "ota", (FIXTURES / "alpinebits" / "NOVA-02-guestrequests-error.xml").read_bytes()
    )
    with source(operator_server) as tuip, pytest.raises(SourceError, match="Invalid hotel code"):
        list(tuip.fetch())


# ----------------------------------------------------------------------------- AlpineBits


def test_alpinebits_pull_and_acknowledgement_over_multipart_with_basic_auth() -> None:
    with run_operator_server(auth="basic", user="kivima", secret=SECRET) as server:
        reservation = (FIXTURES / "alpinebits" / "ALLT-01-guestrequests-AT3351207.xml").read_bytes()
        server.queue("alpinebits", reservation)
        with source(server, "alpinebits") as allt:
            [item] = list(allt.fetch())
            parsed = alpinebits.parse(item.data)
            allt.acknowledge([r.ack_id for r in parsed] + ["15:AT3340918"])
        assert (item.format, item.data) == ("alpinebits", reservation)
        assert item.source_ref.startswith("sha256:")

        pull, ack = server.requests
        for request in (pull, ack):
            assert request.path == "/alpinebits"
            assert request.header("Content-Type").startswith("multipart/form-data")
            assert request.header("X-AlpineBits-ClientProtocolVersion") == "2020-10"
            assert request.header("X-AlpineBits-ClientID") == "hotelops"
            assert request.header("Authorization").startswith("Basic ")
            assert SECRET not in request.header("Authorization")  # encoded, never in clear
        validator = xsd("alpinebits/v_2020_10/alpinebits.xsd")
        assert pull.fields["action"] == "OTA_Read:GuestRequests"
        assert validator.validate(etree.fromstring(pull.fields["request"].encode()))
        assert ack.fields["action"] == "OTA_NotifReport:GuestRequests"
        assert validator.validate(etree.fromstring(ack.fields["request"].encode()))
        assert server.acked_ids("alpinebits") == ["AT3351207", "15:AT3340918"]
        assert_secret_kept_out_of_urls(server)


def test_alpinebits_version_goes_in_the_header(operator_server: OperatorServer) -> None:
    allt = HttpOperatorSource(
        endpoint(operator_server, "alpinebits"),
        "KIV",
        env=ENV,
        sleep=lambda _: None,
        alpinebits_version="2024-10",
    )
    with allt:
        assert list(allt.fetch()) == []
    assert operator_server.requests[0].header("X-AlpineBits-ClientProtocolVersion") == "2024-10"


def test_alpinebits_error_answer_is_a_source_error(operator_server: OperatorServer) -> None:
    error = (FIXTURES / "alpinebits" / "NOVA-02-guestrequests-error.xml").read_bytes()
    operator_server.queue("alpinebits", error)
    with (
        source(operator_server, "alpinebits") as nova,
        pytest.raises(SourceError, match="Invalid hotel code KIV"),
    ):
        list(nova.fetch())


# ----------------------------------------------------------------------------------- JSON


def test_json_pull_with_api_key_and_acknowledgement() -> None:
    with run_operator_server(auth="api_key", secret=SECRET, api_key_header="X-Api-Key") as server:
        feed = (FIXTURES / "json" / "OTEL-01-feed.json").read_bytes()
        server.queue("json", feed)
        with source(server, "json") as otel:
            [item] = list(otel.fetch())
            ack_ids = [r.ack_id for r in jsonfeed.parse(item.data)]
            otel.acknowledge(ack_ids)
        assert (item.format, item.data) == ("json", feed)
        pull, ack = server.requests
        assert (pull.method, pull.path, pull.body) == ("GET", "/json", b"")
        assert pull.header("X-Api-Key") == SECRET
        assert pull.header("Authorization") == ""
        assert (ack.method, ack.path) == ("POST", "/json/ack")
        assert json.loads(ack.body) == {"ack": ["OTN-558120-1", "OTN-557904-2", "OTN-556311-3"]}
        assert server.acked_ids("json") == ack_ids
        assert_secret_kept_out_of_urls(server)


def test_an_empty_json_feed_yields_nothing(operator_server: OperatorServer) -> None:
    with source(operator_server, "json") as otel:
        assert list(otel.fetch()) == []


def test_a_json_feed_nested_100000_deep_is_yielded_for_ingest_to_refuse() -> None:
    with run_operator_server(auth="api_key", secret=SECRET, api_key_header="X-Api-Key") as server:
        server.queue("json", nested_json(100_000))
        with source(server, "json") as otel:
            [item] = list(otel.fetch())  # read, not parsed: no RecursionError here
        assert item.data == nested_json(100_000)


def test_an_answer_over_the_size_limit_is_refused_and_not_acknowledged() -> None:
    with run_operator_server(auth="api_key", secret=SECRET, api_key_header="X-Api-Key") as server:
        server.queue("json", json_feed(1_000, size=int(1.5 * MB)))
        limits = replace(DEFAULT_LIMITS, max_message_bytes=MB)
        otel = HttpOperatorSource(
            endpoint(server, "json", retries=0), "KIV", env=ENV, now=lambda: NOW, limits=limits
        )
        with otel, pytest.raises(SourceError) as error:
            list(otel.fetch())
        assert str(error.value) == (
            "TUIP: the answer is 1.5 MB, larger than the 1 MB limit (scan.max_message_mb); "
            "refused, and nothing is acknowledged"
        )
        assert server.acked_ids("json") == []


# ------------------------------------------------------------------------ retries, errors


def test_503_twice_then_success_backs_off_half_a_second_then_one() -> None:
    with run_operator_server(auth="bearer", secret=SECRET) as server:
        server.queue("ota", (FIXTURES / "ota" / "TUIP-04-pull-two-new.xml").read_bytes())
        server.fail_next(2, status=503)
        sleeps: list[float] = []
        with source(server, sleeps=sleeps) as tuip:
            items = list(tuip.fetch())
            logs = tuip.logs()
        assert len(items) == 1
        assert sleeps == [0.5, 1.0]
        assert len(server.requests) == 3
        assert [log.level for log in logs] == ["warning", "warning"]
        assert logs[0].message.startswith("TUIP: HTTP 503 from POST http://127.0.0.1:")
        assert "retry 1/3 in 0.5s" in logs[0].message
        assert all(SECRET not in log.message for log in logs)


def test_503_every_time_gives_up_after_the_retries(operator_server: OperatorServer) -> None:
    operator_server.fail_next(10, status=503)
    sleeps: list[float] = []
    with source(operator_server, sleeps=sleeps) as tuip, pytest.raises(SourceError) as error:
        list(tuip.fetch())
    message = str(error.value)
    assert message.startswith("TUIP: HTTP 503 after 3 retries (POST http://127.0.0.1:")
    assert "\n" not in message
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(operator_server.requests) == 4


def test_429_waits_for_retry_after(operator_server: OperatorServer) -> None:
    operator_server.throttle_next(1, retry_after="1")
    sleeps: list[float] = []
    with source(operator_server, sleeps=sleeps) as tuip:
        assert list(tuip.fetch()) == []
    assert sleeps == [1.0]
    assert len(operator_server.requests) == 2


def test_429_retry_after_as_a_date_is_capped_at_a_minute(operator_server: OperatorServer) -> None:
    operator_server.throttle_next(
        1, retry_after=format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    )
    operator_server.throttle_next(
        1, retry_after=format_datetime(NOW + timedelta(hours=1), usegmt=True)
    )
    sleeps: list[float] = []
    with source(operator_server, sleeps=sleeps) as tuip:
        list(tuip.fetch())
    assert sleeps == [30.0, 60.0]


def test_401_is_refused_at_once_naming_the_environment_variable() -> None:
    with run_operator_server(auth="bearer", secret="the-real-one") as server:
        sleeps: list[float] = []
        with source(server, sleeps=sleeps) as tuip, pytest.raises(SourceError) as error:
            list(tuip.fetch())
        assert "login refused: check $HOTELOPS_TUIP_SECRET" in str(error.value)
        assert SECRET not in str(error.value)
        assert len(server.requests) == 1 and sleeps == []


def test_a_missing_secret_stops_before_any_request(operator_server: OperatorServer) -> None:
    tuip = HttpOperatorSource(
        endpoint(operator_server, auth="bearer"), "KIV", env={}, sleep=lambda _: None
    )
    with tuip, pytest.raises(SourceError, match=r"\$HOTELOPS_TUIP_SECRET is not set"):
        list(tuip.fetch())
    assert operator_server.requests == []


def test_other_4xx_answers_are_not_retried(operator_server: OperatorServer) -> None:
    operator_server.fail_next(1, status=404)
    sleeps: list[float] = []
    with (
        source(operator_server, sleeps=sleeps) as tuip,
        pytest.raises(SourceError, match="TUIP: HTTP 404 from POST"),
    ):
        list(tuip.fetch())
    assert sleeps == [] and len(operator_server.requests) == 1


def test_a_hanging_server_is_retried_then_given_up(operator_server: OperatorServer) -> None:
    operator_server.hang_next(3, seconds=5)
    sleeps: list[float] = []
    with source(operator_server, sleeps=sleeps, timeout_seconds=0.3, retries=2) as tuip:
        with pytest.raises(SourceError) as error:
            list(tuip.fetch())
        logs = tuip.logs()
    assert str(error.value).startswith("TUIP: no answer within 0.3s after 2 retries (POST ")
    assert sleeps == [0.5, 1.0]
    assert len(operator_server.requests) == 3
    assert [log.level for log in logs] == ["warning", "warning"]


def test_a_closed_port_is_a_connection_error_retried_then_given_up() -> None:
    server = OperatorServer().start()
    server.stop()  # nothing listens on its port any more
    sleeps: list[float] = []
    with (
        source(server, sleeps=sleeps, retries=1) as tuip,
        pytest.raises(
            SourceError, match=r"TUIP: connection failed \(ConnectError\) after 1 retries"
        ),
    ):
        list(tuip.fetch())
    assert sleeps == [0.5]


def test_credentials_in_the_base_url_are_refused(operator_server: OperatorServer) -> None:
    url = operator_server.url("ota").replace("http://", "http://kivima:pw@")
    with pytest.raises(SourceError, match="must not hold credentials"):
        source(operator_server, base_url=url)


def test_redirects_are_not_followed(operator_server: OperatorServer) -> None:
    # Following one could hand the credentials to another host.
    operator_server.fail_next(1, status=302)
    with source(operator_server) as tuip, pytest.raises(SourceError, match="HTTP 302 from POST"):
        list(tuip.fetch())
    assert len(operator_server.requests) == 1


def test_401_with_basic_auth_names_the_variable_and_the_user() -> None:
    with (
        run_operator_server(auth="basic", user="kivima", secret="the-real-one") as server,
        source(server, "alpinebits") as allt,
        pytest.raises(SourceError) as error,
    ):
        list(allt.fetch())
    assert "login refused: check $HOTELOPS_TUIP_SECRET and user 'kivima'" in str(error.value)
