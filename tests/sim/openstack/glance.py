"""A minimal Glance v2: enough for clients to resolve an image by name or id
(GET /v2/images/{id} → 404 → GET /v2/images?name=…). Images are the fixtures only."""
from . import errors, timefmt

SERVICE = "image"


def image_view(image) -> dict:
    return {
        "id": image["id"], "name": image["name"], "status": "active",
        "visibility": "public", "protected": False, "os_hidden": False,
        "checksum": image["checksum"], "os_hash_algo": "sha512",
        "os_hash_value": image["os_hash_value"], "owner": image["owner"],
        "size": image["size"], "virtual_size": image["virtual_size"], "min_ram": 0,
        "min_disk": 0, "disk_format": image["disk_format"],
        "container_format": image["container_format"],
        "created_at": timefmt.zulu(image["created_at"]),
        "updated_at": timefmt.zulu(image["created_at"]), "tags": [],
        "self": f"/v2/images/{image['id']}", "file": f"/v2/images/{image['id']}/file",
        "schema": "/v2/schemas/image", "stores": "fs",
    }


def image_list(ctx):
    query = ctx.request.query
    images = sorted(ctx.state.images.values(), key=lambda i: (-i["created_at"], i["id"]))
    for name in ("name", "id", "status", "visibility", "owner"):
        if name in query:
            images = [i for i in images if image_view(i).get(name) == query[name]]
    if query.get("marker"):
        ids = [i["id"] for i in images]
        if query["marker"] not in ids:
            raise errors.glance(400, f"Invalid marker. Image {query['marker']} could not be "
                                     "found.")
        images = images[ids.index(query["marker"]) + 1:]
    try:
        limit = int(query.get("limit", 25))
    except ValueError:
        raise errors.glance(400, "limit param must be an integer") from None
    query_text = ctx.request.raw_query
    body = {"images": [image_view(i) for i in images[:limit]],
            "first": "/v2/images" + (f"?{query_text}" if query_text else ""),
            "schema": "/v2/schemas/images"}
    if len(images) > limit:
        body["next"] = f"/v2/images?limit={limit}&marker={images[limit - 1]['id']}"
    return 200, body


def image_get(ctx, id):
    image = ctx.state.images.get(id)
    if image is None:
        raise errors.glance(404, f"No image found with ID {id}")
    return 200, image_view(image)


ROUTES = [
    ("GET", "/v2/images", image_list, "token"),
    ("GET", "/v2/images/{id}", image_get, "token"),
]
