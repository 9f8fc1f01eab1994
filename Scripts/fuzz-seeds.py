#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into Fuzz/corpus/<target>/: a few valid inputs each
(and a few near-misses), so fuzzing starts from the hub's real formats.

No dependencies: agent messages are encoded with the few protobuf rules they need, from
Protos/commandhub/v1/agent_link.proto. Re-run after changing the wire contract; the files are
committed, and the test suite replays every one of them.
"""
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Fuzz" / "corpus"
AGENT = "6f1c2a9e-3b4d-4c5e-8f70-112233445566"
COMMAND = "0b7e5a1c-2d3f-4e50-9a61-778899aabbcc"
INT64_MAX = 2**63 - 1


def varint(value):
    value &= (1 << 64) - 1  # negative int64 as two's complement, as protobuf does
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def message(*fields):
    return b"".join(fields)


def map_entry(number, key, value):
    return field_bytes(number, field_bytes(1, key) + field_bytes(2, value))


def heartbeat(status=1, synced=3, in_flight=0, requests=7, last_sync=1_700_000_000_000, sent=1_700_000_000_500):
    return message(field_varint(1, status), field_varint(2, synced), field_varint(3, in_flight),
                   field_varint(4, requests), field_varint(5, last_sync), field_varint(6, sent))


def balance(asset, free, locked=""):
    return message(field_bytes(1, asset), field_bytes(2, free), *( [field_bytes(3, locked)] if locked else []))


def hello(agent_id=AGENT, name="agent-1", labels=None, capabilities=("pause", "ping", "sell"), last=""):
    fields = [field_bytes(1, agent_id), field_bytes(2, name), field_bytes(3, "1.4.0"), field_bytes(4, "paper")]
    fields += [map_entry(5, k, v) for k, v in (labels or {"venue": "binance", "desk": "otc"}).items()]
    fields += [field_bytes(6, c) for c in capabilities]
    if last:
        fields.append(field_bytes(7, last))
    fields.append(field_varint(8, 1))
    return field_bytes(1, message(*fields))


def ack(result_field=None, result=b"", success=True, error_code="", state=True, replayed=False):
    fields = [field_bytes(1, COMMAND), field_varint(2, int(success)), field_bytes(3, "done" if success else "refused"),
              field_varint(4, 1)]
    if error_code:
        fields.append(field_bytes(5, error_code))
    if replayed:
        fields.append(field_varint(6, 1))
    if state:
        fields.append(field_bytes(7, heartbeat()))
    if result_field:
        fields.append(field_bytes(result_field, result))
    return field_bytes(2, message(*fields))


def agent_messages():
    preview = message(*[field_bytes(n, v) for n, v in [
        (1, "BTC"), (2, "USDT"), (3, "0.25"), (4, "43125.5"), (5, "10781.375"), (6, "10.781375"),
        (7, "10770.593625"), (8, "0.001"), (9, "max_quantity"), (10, "1.5")]])
    fill = message(*[field_bytes(n, v) for n, v in [
        (1, "order-1"), (2, COMMAND), (3, "BTC"), (4, "USDT"), (5, "0.25"), (6, "43125.5"), (7, "10781.375"),
        (8, "10.781375"), (9, "10770.593625")]], field_varint(10, 1_700_000_001_000))
    report = message(field_varint(1, 2), field_varint(2, 3), field_varint(3, 9), field_varint(4, 1_700_000_000_000),
                     field_varint(5, 3_600_000), field_varint(6, 12), field_varint(7, 1),
                     map_entry(8, "orders", "4"), map_entry(8, "latency_ms", "12.5"))
    balances = message(field_bytes(1, balance("BTC", "1.5", "0.25")), field_bytes(1, balance("ETH", "20")),
                       field_varint(2, 1_700_000_000_000))
    return {
        "hello": hello(),
        "hello-minimal": field_bytes(1, field_bytes(1, AGENT)),
        "hello-reconciling": hello(name="", labels={"region": "eu"}, capabilities=(), last=COMMAND),
        "hello-bad-agent-id": hello(agent_id="not-a-uuid"),
        "hello-long-name": hello(name="n" * 129),
        "ack-pong": ack(10, message(field_varint(1, 1_700_000_000_123), field_varint(2, 1_700_000_000_100))),
        "ack-pong-extreme-times": ack(10, message(field_varint(1, INT64_MAX), field_varint(2, -INT64_MAX - 1))),
        "ack-balances": ack(11, balances),
        "ack-status-report": ack(12, report),
        "ack-sell-preview": ack(13, preview),
        "ack-sell-fill": ack(14, fill, replayed=True),
        "ack-refused": ack(success=False, error_code="paused", state=False),
        "heartbeat": field_bytes(3, heartbeat()),
        "heartbeat-extreme": field_bytes(3, heartbeat(status=99, synced=2**32 - 1, in_flight=2**32 - 1,
                                                      requests=2**64 - 1, last_sync=-1, sent=INT64_MAX)),
        "wallet-snapshot": field_bytes(4, balances),
        "wallet-snapshot-duplicates": field_bytes(4, message(field_bytes(1, balance("BTC", "1")),
                                                             field_bytes(1, balance("BTC", "2")), field_varint(2, -5))),
        "empty": b"",
        "unknown-kind": message(field_bytes(9, b"from a newer agent")),
    }


def framed(payload, flag=0, length=None):
    return bytes([flag]) + struct.pack(">I", len(payload) if length is None else length) + payload


def agent_streams(messages):
    # Byte 0: chunk size (0: all at once); byte 1: limit in units of 16 bytes; then the stream.
    session = framed(messages["hello"]) + framed(messages["heartbeat"]) + framed(messages["ack-pong"])
    return {
        "session-whole": bytes([0, 64]) + session,
        "session-bytewise": bytes([1, 64]) + session,
        "session-chunks-7": bytes([7, 64]) + session + framed(messages["wallet-snapshot"]),
        "empty-message": bytes([0, 1]) + framed(b""),
        "compressed": bytes([0, 64]) + framed(messages["hello"], flag=1),
        "too-large": bytes([3, 1]) + framed(messages["hello"]),
        "declares-more-than-sent": bytes([0, 255]) + framed(messages["hello"], length=4000),
        "truncated-prefix": bytes([0, 64]) + framed(messages["hello"]) + b"\x00\x00\x00",
        "garbage-payload": bytes([2, 64]) + framed(b"\xff\xff\xff\xff\x0f"),
    }


def rest_bodies():
    sell = {
        "preview": {"asset": "BTC", "quantity": "0.25", "preview": True},
        "execute": {"asset": "eth", "quantity": "1.5000000000", "min_price": "2000.10", "preview": False},
        "smallest": {"asset": "DOGE", "quantity": "0.0000000001"},
        "number-amount": {"asset": "BTC", "quantity": 0.25},
        "eleven-places": {"asset": "BTC", "quantity": "0.00000000001"},
        "unknown-field": {"asset": "BTC", "quantity": "1", "side": "buy"},
        "null-min-price": {"asset": "BTC", "quantity": "1", "min_price": None},
        "not-an-object": ["BTC", "1"],
    }
    login = {
        "json": b"\x00" + json.dumps({"username": "demo-admin", "password": "correct horse battery"}).encode(),
        "form": b"\x01" + b"grant_type=password&username=demo-admin&password=correct+horse%20battery",
        "form-charset": b"\x02" + b"username=ops%40desk&password=p%C3%A4ss+word+long",
        "form-other-grant": b"\x01" + b"grant_type=client_credentials&username=a&password=b",
        "json-number": b"\x00" + b'{"username": 5, "password": "x"}',
        "text": b"\x04" + b"username=a&password=b",
    }
    admin = {
        "operator": b"\x00" + json.dumps({"name": "ops.desk-1@example", "role": "trader", "password": "twelve chars!"}).encode(),
        "operator-update": b"\x01" + json.dumps({"role": "viewer"}).encode(),
        "agent": b"\x02" + json.dumps({"name": "agent-eu_1", "labels": {"venue": "binance", "region": "eu"}}).encode(),
        "agent-bad-labels": b"\x02" + json.dumps({"name": "a", "labels": {"venue": 1}}).encode(),
        "operator-bad-role": b"\x00" + json.dumps({"name": "x", "role": "root"}).encode(),
    }
    return ({k: json.dumps(v).encode() for k, v in sell.items()}, login, admin)


def text_inputs():
    query = {
        "command": "timeout=2.5&include_offline=true",
        "sync": "symbols=btc,ETH,%20sol&timeout=0.1",
        "bulk": "selector=venue%3Dbinance,desk!%3Dotc,canary&max_concurrency=16",
        "bulk-ids": f"client_ids={AGENT},{COMMAND}",
        "history": f"client_id={AGENT}&action=sell&since=2025-11-14T10:30:00Z&until=1700000000.5",
        "history-fractions": "since=2025-11-14T10:30:00.123Z",
        "events": "types=agent_connected,command_finished",
        "twice": "timeout=1&timeout=2",
        "timeout-max": "timeout=300",
    }
    selector = {
        "terms": "venue=binance,desk!=otc,canary",
        "double-equals": "name==probe",
        "fields": "status=ACTIVE, exchange = paper ,version!=2.0",
        "empty-value": "canary=,desk!=",
        "unicode": "région=été",
        "empty-term": "venue=binance,,desk",
    }
    decimal = {
        "quantity": "0.25", "negative": "-12.5", "integer": "40000", "bare-fraction": ".5",
        "smallest": "0.0000000001", "eleven-places": "0.00000000001", "padded": "000120.5000",
        "widest": "12345678901234567890123456789012345678", "widest-fraction": "0.99999999999999999999999999999999999999",
        "exponent": "1e5", "negative-zero": "-0", "trailing-point": "1.",
    }
    return query, selector, decimal


def write(target, inputs):
    folder = ROOT / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, data in inputs.items():
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def main():
    messages = agent_messages()
    write("agent-message", messages)
    write("agent-stream", agent_streams(messages))
    sell, login, admin = rest_bodies()
    write("sell-body", sell)
    write("login-body", login)
    write("admin-body", admin)
    query, selector, decimal = text_inputs()
    write("query-parameters", query)
    write("label-selector", selector)
    write("decimal-text", decimal)


if __name__ == "__main__":
    main()
