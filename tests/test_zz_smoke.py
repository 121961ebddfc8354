from sqlalchemy import select, func
from events.models import Person
async def test_smoke_db(db, backend):
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == 0
async def test_smoke_demo(demo_db, demo, backend):
    async with demo_db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) > 100
async def test_smoke_client(client, demo):
    r = await client.get("/healthz")
    assert r.status_code == 200, r.text
    client.sign_in_as("zuweihui")
    r = await client.get("/org")
    assert r.status_code == 200
