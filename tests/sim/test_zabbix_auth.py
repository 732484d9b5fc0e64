"""Authentication and permissions in the Zabbix simulator: login answers, `auth` in the body,
sessions and API tokens, disabled user groups, login blocking, what a customer's User role may
call."""
from zabbix.testkit import PASSWORD, RpcClient, ZabbixCase

REFUSED = "Incorrect user name or password or account is temporarily blocked."


class Login(ZabbixCase):
    def test_login_answers_a_session(self):
        session = self.api.call("user.login", {"username": "Admin", "password": "zabbix"},
                                auth=None)
        self.assertRegex(session, r"^[0-9a-f]{32}$")
        self.assertEqual(self.api.call("user.get", {"output": ["username"], "filter": {
            "username": "Admin"}}, auth=session), [{"userid": "1", "username": "Admin"}])
        data = self.api.call("user.login", {"username": "Admin", "password": "zabbix",
                                            "userData": True}, auth=None)
        self.assertEqual((data["userid"], data["type"], data["roleid"]), ("1", 3, "3"))
        self.assertRegex(data["sessionid"], r"^[0-9a-f]{32}$")

    def test_wrong_password_and_unknown_user_differ_in_code(self):
        self.error(self.api.send("user.login", {"username": "Admin", "password": "nope"},
                                 auth=None), -32500, REFUSED)
        self.error(self.api.send("user.login", {"username": "nobody", "password": "nope"},
                                 auth=None), -32602, REFUSED)

    def test_deprecated_user_field(self):
        self.assertTrue(self.api.call("user.login", {"user": "Admin", "password": "zabbix"},
                                      auth=None))
        self.knob(login_user_field="username")
        self.error(self.api.send("user.login", {"user": "Admin", "password": "zabbix"},
                                 auth=None), -32602,
                   'Invalid parameter "/": unexpected parameter "user".')

    def test_no_auth_methods_refuse_auth(self):
        for method in ("apiinfo.version", "user.login"):
            self.error(self.api.send(method, {}), -32602,
                       f'The "{method}" method must be called without the "auth" parameter.')

    def test_missing_bad_and_ended_auth(self):
        self.error(self.api.send("user.get", {}, auth=None), -32602, "Not authorized.")
        self.error(self.api.send("user.get", {}, auth="0" * 32), -32602,
                   "Session terminated, re-login, please.")
        self.error(self.api.send("user.get", {}, auth="f" * 64), -32602, "Not authorized.")
        answer = self.api.send("user.get", {}, auth=1234)
        self.error(answer, -32600, 'Invalid parameter "/auth": a character string is expected.')
        self.assertTrue(self.api.call("user.logout", []))
        self.error(self.api.send("user.get", {}), -32602,
                   "Session terminated, re-login, please.")

    def test_sessions_expire_by_control(self):
        self.assertEqual(self.ctl("POST", "sessions/expire")["expired"], 1)
        self.error(self.api.send("user.get", {}), -32602,
                   "Session terminated, re-login, please.")

    def test_five_failures_block_for_30_seconds(self):
        for _ in range(5):
            self.api.send("user.login", {"username": "Admin", "password": "nope"}, auth=None)
        self.error(self.api.send("user.login", {"username": "Admin", "password": "zabbix"},
                                 auth=None), -32500, REFUSED)
        self.tick(31)
        self.assertTrue(self.api.call("user.login", {"username": "Admin",
                                                     "password": "zabbix"}, auth=None))

    def test_log_masks_password_and_auth(self):
        self.api.call("user.get", {"output": ["userid"]})
        text = str(self.ctl("GET", "requests")["list"])
        self.assertNotIn("zabbix", text.replace("zabbix-", ""))
        self.assertNotIn(self.api.auth, text)
        self.assertEqual(self.ctl("GET", "counters")["logins"], 1)


class Tokens(ZabbixCase):
    def token(self) -> str:
        tokenid = self.api.call("token.create", {"name": "pm", "userid": "1"})["tokenids"][0]
        generated = self.api.call("token.generate", [tokenid])
        self.assertEqual(generated[0]["tokenid"], tokenid)
        return generated[0]["token"]

    def test_token_in_auth(self):
        token = self.token()
        self.assertRegex(token, r"^[0-9a-f]{64}$")
        found = self.api.call("user.get", {"output": ["userid"], "limit": 1}, auth=token)
        self.assertEqual(len(found), 1)
        self.error(self.api.send("token.create", {"name": "pm", "userid": "1"}), -32602,
                   'API token "pm" already exists for userid "1".')
        self.assertNotIn(token, str(self.ctl("GET", "state")))
        self.assertNotIn(token, str(self.ctl("GET", "requests")))

    def test_bearer_header_only_with_the_knob(self):
        token = self.token()
        headers = {"Authorization": f"Bearer {token}"}
        self.error(self.api.send("user.get", {}, auth=None, headers=headers), -32602,
                   "Not authorized.")
        self.knob(auth_transport="body_or_bearer")
        self.assertTrue(self.api.call("user.get", {}, auth=None, headers=headers))

    def test_deleted_or_disabled_token_is_refused(self):
        token = self.token()
        self.api.call("token.delete", ["1"])
        self.error(self.api.send("user.get", {}, auth=token), -32602, "Not authorized.")


class CustomerRights(ZabbixCase):
    def test_customer_sees_only_their_group_and_cannot_create(self):
        made = self.customer("c1")
        self.customer("c2")
        customer = RpcClient(self.port).login("c1@example.com", PASSWORD)
        groups = customer.call("hostgroup.get", {"output": ["groupid", "name"]})
        self.assertEqual(groups, [{"groupid": made["groupid"], "name": "pm-customer-c1"}])
        self.assertEqual(customer.call("user.get", {"output": ["username"]}),
                         [{"userid": made["userid"], "username": "c1@example.com"}])
        for method in ("user.create", "usergroup.create", "hostgroup.create", "host.create",
                       "action.create"):
            self.error(customer.send(method, {"name": "x"}), -32602,
                       f'No permissions to call "{method}".')

    def test_disabled_group_refuses_login_and_ends_sessions(self):
        made = self.customer("c1")
        customer = RpcClient(self.port).login("c1@example.com", PASSWORD)
        self.api.call("usergroup.update", {"usrgrpid": made["usrgrpid"], "users_status": 1})
        self.error(customer.send("user.get", {}), -32602,
                   "Session terminated, re-login, please.")
        self.error(customer.send("user.login", {"username": "c1@example.com",
                                                "password": PASSWORD}, auth=None),
                   -32602, "No permissions for system access.")
        self.api.call("usergroup.update", {"usrgrpid": made["usrgrpid"], "users_status": 0})
        RpcClient(self.port).login("c1@example.com", PASSWORD)

    def test_check_password_control(self):
        self.customer("c1")
        self.assertEqual(self.ctl("POST", "check_password", {
            "username": "c1@example.com", "password": PASSWORD}), {"exists": True,
                                                                   "match": True})
        self.assertEqual(self.ctl("POST", "check_password", {
            "username": "c1@example.com", "password": "other"})["match"], False)
