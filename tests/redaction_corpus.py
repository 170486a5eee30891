"""A corpus for the redaction check: realistic lines holding one secret each (fake values in
each provider's real format), and realistic lines holding none (code, logs, hashes, ids).

Used by tests/test_redact.py and benchmarks/redaction_eval.py (recall and false positives).
"""

from __future__ import annotations

# (kind the secret must be reported as, the line, the secret itself)
POSITIVES: list[tuple[str, str, str]] = [
    (
        "anthropic-api-key",
        "export ANTHROPIC_KEY_FILE=/dev/null; curl -H 'x-api-key: {s}' https://api.anthropic.com",
        "sk-ant-api03-Qm9vZ2xlRmFrZUtleUZvclRlc3RzT25seTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w-AbCdEfAA",
    ),
    (
        "anthropic-api-key",
        'client = Anthropic(api_key="{s}")',
        "sk-ant-admin01-ZmFrZWFkbWlua2V5Zm9ydGVzdGluZzEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w_QQ",
    ),
    (
        "openai-api-key",
        "OPENAI_BASE_URL=https://api.openai.com/v1 key {s} loaded",
        "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrStUvWxYz01",
    ),
    (
        "openai-api-key",
        "openai.api_key = '{s}'",
        "sk-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4Cd5E",
    ),
    (
        "google-api-key",
        "https://maps.googleapis.com/maps/api/js?key={s}",
        "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    ),
    ("aws-key", "aws_access_key_id = {s}", "AKIA" + "Z7QX3MPL4RT2WE9K"),
    (
        "env-secret",
        "AWS_REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY={s}\nHOME=/home/dev",
        "q8Fh2Lm9Xz0Rt7Wp3Kv6Nb1Yc4Jd5Gs8Ae2Uo9Ti",
    ),
    (
        "github-token",
        "remote: https://x:{s}@github.com/org/repo.git",
        "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ),
    ("github-token", "GH_PAT {s} expires soon", "github_pat_" + "11ABCDEFG0" + "a" * 72),
    (
        "gitlab-token",
        "git clone https://oauth2:{s}@gitlab.com/g/p.git",
        "glpat-" + "Xy9Zw8Vu7Ts6Rq5Po4Nm",
    ),
    (
        "slack-token",
        "SLACK_BOT={s}",
        "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    (
        "slack-webhook",
        "post to {s} failed",
        "https://hooks.slack.com/services/" + "T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    ("stripe-key", 'stripe.api_key = "{s}"', "sk_live_" + "51HaBcDeFgHiJkLmNoPqRsTu"),
    (
        "huggingface-token",
        "huggingface-cli login --token {s}",
        "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    ),
    (
        "jwt",
        "cookie: session={s}; Path=/",
        (
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ."
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        ),
    ),
    (
        "authorization-header",
        'curl -H "Authorization: Bearer {s}" https://internal.example.com/api',
        "d41c8f0e6b7a4e2f9c3d5a1b8e7f6a5b",
    ),
    (
        "url-credentials",
        "DATABASE_URL=postgres://admin:{s}@db.internal:5432/app",
        "Sup3rS3cretPassw0rd",
    ),
    (
        "env-secret",
        "DB_PASSWORD={s} ./run.sh",
        "Tr0ub4dor&3xyz",
    ),
    ("config-secret", '  "client_secret": "{s}",', "GOCSPX-8hKd7Lq2Zr4Wm1Xn6Vb3"),
    ("config-secret", "password: {s}", "correct-horse-battery-staple"),
    (
        "private-key",
        "$ cat id_ed25519\n{s}\n$ ls",
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
            "QyNTUxOQAAACBmYWtla2V5Zm9ydGVzdHNvbmx5MTIzNDU2Nzg5MGFiY2RlZgAAAJgAAAAA\n"
            "-----END OPENSSH PRIVATE KEY-----"
        ),
    ),
    (
        "private-key",
        "output truncated:\n{s}",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    ),
    (
        "npm-token",
        "//registry.npmjs.org/:_authToken={s}",
        "npm_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    ),
    ("pypi-token", "TWINE_PASSWORD {s}", "pypi-AgEIcHlwaS5vcmc" + "QmFrZVRva2VuRm9yVGVzdHM" * 6),
]

# Lines that hold no secret (must come out unchanged).
NEGATIVES: list[str] = [
    "def parse_number(input: &str) -> Result<f64> {",
    "let token = lexer.next_token()?;",
    "MAX_TOKENS = 4096",
    "max_tokens: 1024",
    '  "prompt_tokens": 1532, "completion_tokens": 412, "total_tokens": 1944',
    'API_KEY = os.environ["API_KEY"]',
    "api_key = settings.OPENAI_API_KEY",
    "password = getpass.getpass()",
    "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}",
    "OPENAI_API_KEY=<your-key-here>",
    "export API_KEY=your-api-key",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "request id 123e4567-e89b-12d3-a456-426614174000 took 31ms",
    "2026-12-05T06:31:00.123Z INFO a3s_code::agent: turn 3 finished in 1.2s",
    "error[E0599]: no method named `tokens` found for struct `Lexer` in the current scope",
    "https://docs.rs/serde_json/latest/serde_json/struct.Deserializer.html",
    "git@github.com:a3s-lab/a3s-code.git",
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "const isSkipped = task-list.filter(t => t.done)",
    "the desk-lamp and ask-me-anything tags",
    "Authorization header is missing",
    "password: ********",
    "token_type: bearer",
    "secret = None",
    "cargo update -p serde_json --precise 1.0.145",
    "SELECT * FROM users WHERE id = $1 AND deleted_at IS NULL",
    "fn primary_key(&self) -> &str { &self.id }",
    'tokenizer = "cl100k_base"',
    "BEGIN TRANSACTION; UPDATE accounts SET balance = balance - 10; COMMIT;",
    "Found 3 matches in src/number.rs: parse_f64_lossy, parse_number, ParseError",
    "http://localhost:8080/health returned 200",
    "See https://user@example.com/ for the profile (no password)",
]
