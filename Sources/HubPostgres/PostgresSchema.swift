/// The hub's tables in PostgreSQL, one migration a version, in order; `PostgresMigrator` applies
/// the ones a database lacks. The same tables and columns as the SQLite file's, with times as
/// seconds since 1970 (`DOUBLE PRECISION`, as SQLite's REAL) and balances as `NUMERIC`, never a
/// binary float; plus `hub_id` on what one hub owns while it runs (unfinished commands, agents
/// connected to it, requests in progress), so a hub's crash recovery ends its own only. Append new versions; never edit a published one.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "v1",
            statements: [
                """
                CREATE TABLE agent_credential (
                    name TEXT PRIMARY KEY, token_hash BYTEA NOT NULL UNIQUE, labels TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION, last_used_at DOUBLE PRECISION)
                """,
                """
                CREATE TABLE agent (
                    agent_id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, exchange TEXT NOT NULL,
                    labels TEXT NOT NULL, capabilities TEXT NOT NULL, credential TEXT, status TEXT NOT NULL,
                    wallets_synced BIGINT NOT NULL DEFAULT 0, sync_requests BIGINT NOT NULL DEFAULT 0,
                    last_sync DOUBLE PRECISION, last_heartbeat DOUBLE PRECISION, first_seen DOUBLE PRECISION NOT NULL,
                    last_seen DOUBLE PRECISION NOT NULL, connected_at DOUBLE PRECISION, connected BOOLEAN NOT NULL DEFAULT FALSE,
                    hub_id TEXT)
                """,
                """
                CREATE TABLE command (
                    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, command_id TEXT NOT NULL UNIQUE,
                    agent_id TEXT NOT NULL, action TEXT NOT NULL, parameters TEXT NOT NULL, requested_by TEXT NOT NULL,
                    job_id TEXT, idempotency_key TEXT, state TEXT NOT NULL, timeout_ms BIGINT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL, sent_at DOUBLE PRECISION, finished_at DOUBLE PRECISION,
                    error_code TEXT, message TEXT, result TEXT, reconciled_at DOUBLE PRECISION, reconciled_result TEXT,
                    hub_id TEXT)
                """,
                "CREATE INDEX command_by_agent ON command(agent_id, seq)",
                "CREATE INDEX command_by_state ON command(state, seq)",
                "CREATE INDEX command_by_action ON command(action, seq)",
                "CREATE INDEX command_by_created ON command(created_at)",
                "CREATE INDEX command_by_job ON command(job_id) WHERE job_id IS NOT NULL",
                "CREATE INDEX command_unfinished_by_hub ON command(hub_id) WHERE state IN ('pending', 'sent')",
                """
                CREATE TABLE job (
                    job_id TEXT PRIMARY KEY, action TEXT NOT NULL, parameters TEXT NOT NULL, selector TEXT,
                    requested_by TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION,
                    targeted BIGINT NOT NULL DEFAULT 0, succeeded BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0,
                    timed_out BIGINT NOT NULL DEFAULT 0, undeliverable BIGINT NOT NULL DEFAULT 0, skipped BIGINT NOT NULL DEFAULT 0)
                """,
                """
                CREATE TABLE idempotency (
                    caller TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, state TEXT NOT NULL, status INTEGER,
                    body BYTEA, created_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION, hub_id TEXT,
                    PRIMARY KEY (caller, key))
                """,
                "CREATE INDEX idempotency_by_created ON idempotency(created_at)",
            ]),
        Migration(
            version: 2, name: "v2-wallets",
            statements: [
                """
                CREATE TABLE agent_wallet (
                    agent_id TEXT NOT NULL, asset TEXT NOT NULL, free NUMERIC NOT NULL, locked NUMERIC NOT NULL,
                    synced_at DOUBLE PRECISION NOT NULL, source TEXT NOT NULL, PRIMARY KEY (agent_id, asset))
                """
            ]),
        Migration(
            version: 3, name: "v3-operators",
            statements: [
                """
                CREATE TABLE operator (
                    name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL, last_login_at DOUBLE PRECISION)
                """,
                "CREATE TABLE hub_secret (name TEXT PRIMARY KEY, value BYTEA NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
            ]),
        Migration(
            version: 4, name: "v4-cluster",
            statements: [
                // One row per hub: its epoch (bumped at each start and when another hub takes
                // over after its lease expired) and its lease, in the server's clock.
                """
                CREATE TABLE hub (
                    hub_id TEXT PRIMARY KEY, epoch BIGINT NOT NULL, rest_url TEXT NOT NULL,
                    lease_until DOUBLE PRECISION NOT NULL, started_at DOUBLE PRECISION NOT NULL)
                """,
                // Which hub holds each connected agent's stream, and which session of it.
                """
                CREATE TABLE agent_owner (
                    agent_id TEXT PRIMARY KEY, hub_id TEXT NOT NULL, hub_epoch BIGINT NOT NULL,
                    session_id TEXT NOT NULL, session_epoch BIGINT NOT NULL, since DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX agent_owner_by_hub ON agent_owner(hub_id)",
                "CREATE SEQUENCE session_epoch",
                "CREATE INDEX idempotency_in_progress_by_hub ON idempotency(hub_id) WHERE state = 'in_progress'",
                "CREATE INDEX command_lost_unreconciled ON command(finished_at) WHERE error_code = 'hub_lost' AND reconciled_at IS NULL",
            ]),
    ]
}
