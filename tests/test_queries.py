"""The number of SQL statements per list or timeline request does not grow with the rows (no N+1)."""

from __future__ import annotations


def fill(tenant, customers: int, per_customer: int = 0):
    made = []
    for i in range(customers):
        customer = tenant.customer(tags=[f"tag{i % 4}", "all"], owner_id=tenant.user["id"])
        made.append(customer)
        for j in range(per_customer):
            tenant.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": f"p{j}",
                                                   "amount": "10.00", "purchased_at": f"2026-01-{j + 1:02d}T00:00:00Z"})
            tenant.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "phone",
                                                      "subject": f"s{j}", "occurred_at": f"2026-02-{j + 1:02d}T00:00:00Z"})
    return made


def statements_for(tenant, count_queries, path) -> int:
    tenant.get(path)  # warm: the key's last-used write happens at most once a minute
    with count_queries() as counted:
        response = tenant.get(path)
    assert response.status_code == 200
    return counted()


LIST_PATHS = ["/api/v1/customers?limit={n}", "/api/v1/customers?limit={n}&tag=all", "/api/v1/purchases?limit={n}",
              "/api/v1/interactions?limit={n}", "/api/v1/tags", "/api/v1/members", "/api/v1/api-keys",
              "/api/v1/custom-fields", "/api/v1/audit-log?limit={n}"]


def test_list_requests_run_as_many_statements_for_5_rows_as_for_50(sign_up, count_queries):
    small, large = sign_up(), sign_up()
    for tenant, rows in ((small, 5), (large, 50)):
        fill(tenant, rows, per_customer=1)
        for n in range(rows // 4):
            tenant.post("/api/v1/members", json={"email": f"m{n}@{tenant.tenant['slug']}.example", "role": "agent",
                                                 "password": "a long enough password"})
            tenant.post("/api/v1/api-keys", json={"name": f"k{n}"})
            tenant.post("/api/v1/custom-fields", json={"key": f"f{n}", "label": "F", "type": "text"})
    for path in LIST_PATHS:
        few = statements_for(small, count_queries, path.format(n=5))
        many = statements_for(large, count_queries, path.format(n=50))
        assert few == many, path


def test_a_timeline_page_runs_as_many_statements_for_5_entries_as_for_50(sign_up, count_queries):
    tenant = sign_up()
    few_customer, many_customer = fill(tenant, 1, per_customer=3)[0], fill(tenant, 1, per_customer=25)[0]
    few = statements_for(tenant, count_queries, f"/api/v1/customers/{few_customer['id']}/timeline?limit=5")
    many = statements_for(tenant, count_queries, f"/api/v1/customers/{many_customer['id']}/timeline?limit=50")
    assert few == many
