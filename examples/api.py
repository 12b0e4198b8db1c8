"""A deliberately non-compliant FastAPI module."""

from fastapi import Depends, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    """An item."""

    name: str


def get_db() -> dict[str, Item]:
    """The database."""
    return {}


@app.post("/items", status_code=201, response_model=Item)
async def create(item: Item, db: dict[str, Item] = Depends(get_db)) -> Item:
    """Create an item."""
    db[item.name] = item
    return item
