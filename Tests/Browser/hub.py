"""A small REST client for the hub under test: the scenarios set things up and check the
hub's own record with it, beside what the browser shows."""
import json
import urllib.error
import urllib.request


class Hub:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, body=None, headers=None):
        """(status, parsed JSON or None)."""
        request = urllib.request.Request(self.base + path, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, data=data, timeout=30) as response:
                return response.status, _parse(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _parse(error.read())

    def get(self, path, token=None):
        return self.call("GET", path, token)

    def post(self, path, token=None, body=None, headers=None):
        return self.call("POST", path, token, body, headers)

    def login(self, username, password):
        status, body = self.post("/api/auth/token", body={"username": username, "password": password})
        assert status == 200, f"login of {username}: {status} {body}"
        return body["access_token"]

    def agent_id(self, token, name):
        status, rows = self.get("/api/crypto/commands/?include_offline=true", token)
        assert status == 200, rows
        for row in rows:
            if row["client_name"] == name:
                return row["client_id"]
        raise AssertionError(f"no agent named {name!r} in {[row['client_name'] for row in rows]}")


def _parse(data):
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None
