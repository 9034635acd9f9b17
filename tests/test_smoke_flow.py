def test_a_company_signs_up_and_keeps_a_customer(tenant_a):
    customer = tenant_a.customer(email="li@example.com", tags=["vip"])
    listed = tenant_a.get("/api/v1/customers").json
    assert [c["id"] for c in listed["items"]] == [customer["id"]]
    assert listed["next_cursor"] is None
