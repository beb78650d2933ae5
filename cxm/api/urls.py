from ninja import NinjaAPI

api = NinjaAPI(title="CXM API", version="1", urls_namespace="api")
