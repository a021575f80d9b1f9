"""WeCom (企业微信) and WeChat (微信) entry points: the AI bot (webhook and long connection), the
self-built app and 微信客服, the Official Account, and the send-only group robot.

Each module has one job: `crypto` (the callback cipher), `verify` (checks before parsing),
`envelope` (typed callback bodies), `api` (the HTTP APIs and their access tokens), `store` (state
shared by processes), `robot` (group notices), `aibot` / `callbacks` (what a message becomes),
`routes` (the web endpoints), `longconn` (the AI bot's WebSocket), `work` (queued jobs).
"""
