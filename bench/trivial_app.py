"""The reference of bench/http_load.py: the cheapest FastAPI endpoint, served like Spravka."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
def ping() -> dict[str, bool]:
    # A plain `def`, like Spravka's handlers: it runs in the thread pool too.
    return {"ok": True}
