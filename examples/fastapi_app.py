"""A FastAPI service that takes and returns A3S Code sessions: the body is validated by the
crate (a rejected one is a 422 at the crate's field path), saved with the crate's async
store (a refused write is a 409 saying why; ``?force=true`` writes it anyway), and served as
the crate's exact JSON. Run it: ``python examples/fastapi_app.py`` (needs uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Body, FastAPI, HTTPException, Response
from pydantic import BaseModel

import a3s_session as a3s


class Saved(BaseModel):
    id: str
    messages: int


def create_app(store_dir: str | os.PathLike[str]) -> FastAPI:
    app = FastAPI()
    store = a3s.FileSessionStore(store_dir)

    @app.post("/sessions")
    async def save(session: Annotated[a3s.SessionData, Body()], force: bool = False) -> Saved:
        try:
            await store.save_async(session, force=force)
        except a3s.WriteRefusedError as err:  # a conflict, or a conversation the agent would drop
            raise HTTPException(status_code=409, detail=str(err)) from None
        return Saved(id=session.id, messages=len(session.messages))

    @app.get("/sessions/{session_id}")
    async def load(session_id: str) -> Response:
        session = await store.load_async(session_id)
        if session is None:
            raise HTTPException(status_code=404, detail=f"no session {session_id!r}")
        return Response(session.to_json_bytes(), media_type="application/json")

    return app


if __name__ == "__main__":
    import uvicorn  # type: ignore[import-not-found, unused-ignore]

    uvicorn.run(create_app(os.environ.get("A3S_STORE", "sessions")))
