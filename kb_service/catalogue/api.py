"""HTTP API for the product catalogue."""

from fastapi import APIRouter, status

from kb_service.access import Viewer
from kb_service.catalogue import service
from kb_service.catalogue.models import Product
from kb_service.catalogue.schemas import ProductIn, ProductOut
from kb_service.deps import SessionDep, ViewerDep
from kb_service.errors import Forbidden

router = APIRouter(tags=["catalogue"])


def out(product: Product) -> ProductOut:
    return ProductOut(
        code=product.code,
        name=product.name,
        parent=product.parent.code if product.parent else None,
        versions=[v.name for v in product.versions],
        description=product.description,
        status=product.status,
        updated_at=product.updated_at,
    )


@router.get("/products", response_model=list[ProductOut])
def list_products(session: SessionDep):
    return [out(p) for p in service.list_products(session)]


@router.get("/products/{code}", response_model=ProductOut)
def get_product(code: str, session: SessionDep):
    return out(service.get_product(session, code))


@router.post("/products", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
def create_product(data: ProductIn, session: SessionDep, viewer: ViewerDep):
    _require_catalogue_admin(viewer)
    return out(service.save_product(session, **data.model_dump(), create_only=True))


@router.put("/products/{code}", response_model=ProductOut)
def save_product(code: str, data: ProductIn, session: SessionDep, viewer: ViewerDep):
    _require_catalogue_admin(viewer)
    return out(service.save_product(session, **{**data.model_dump(), "code": code}))


def _require_catalogue_admin(viewer: Viewer) -> None:
    if not viewer.has_any({"admin", "editor", "manager"}):
        raise Forbidden("only admins, editors and managers change the catalogue")
