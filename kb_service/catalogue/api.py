"""HTTP API for the product catalogue."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from kb_service.access import Viewer
from kb_service.catalogue import equipment, service
from kb_service.catalogue.models import Equipment, Product
from kb_service.catalogue.schemas import EquipmentIn, EquipmentOut, ProductIn, ProductOut
from kb_service.deps import SessionDep, ViewerDep
from kb_service.errors import Forbidden
from kb_service.hostile_input import DB_INT_MAX

router = APIRouter(tags=["catalogue"])
# As long as the column: a longer id in the path of a PUT would otherwise reach the database.
EquipmentId = Annotated[str, Path(min_length=1, max_length=100)]


def out(product: Product) -> ProductOut:
    return ProductOut(
        code=product.code,
        name=product.name,
        parent=product.parent.code if product.parent else None,
        versions=[v.name for v in product.versions],
        description=product.description,
        status=product.status,
        merged_into=product.merged_into,
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


def equipment_out(item: Equipment) -> EquipmentOut:
    return EquipmentOut(
        organisation=item.organisation.name,
        product=item.product.code,
        product_name=item.product.name,
        **{name: getattr(item, name) for name in ("id", *equipment.FIELDS)},
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


@router.get("/equipment", response_model=list[EquipmentOut])
def list_equipment(
    session: SessionDep,
    viewer: ViewerDep,
    organisation: str | None = None,
    product: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
):
    """Staff: every organisation's equipment; a client: their organisation's."""
    found = equipment.list_equipment(
        session, viewer, organisation=organisation, product=product, limit=limit, offset=offset
    )
    return [equipment_out(item) for item in found]


@router.get("/equipment/{equipment_id}", response_model=EquipmentOut)
def get_equipment(equipment_id: EquipmentId, session: SessionDep, viewer: ViewerDep):
    return equipment_out(equipment.get_equipment(session, viewer, equipment_id))


@router.post("/equipment", response_model=EquipmentOut, status_code=status.HTTP_201_CREATED)
def create_equipment(data: EquipmentIn, session: SessionDep, viewer: ViewerDep):
    return equipment_out(equipment.save_equipment(session, viewer, data, create_only=True))


@router.put("/equipment/{equipment_id}", response_model=EquipmentOut)
def save_equipment(
    equipment_id: EquipmentId, data: EquipmentIn, session: SessionDep, viewer: ViewerDep
):
    data = data.model_copy(update={"id": equipment_id})
    return equipment_out(equipment.save_equipment(session, viewer, data))
