// The console add-on in pmopenstack end to end (the real binary against the OpenStack
// simulator): with the console down, the VDC's open, suspend, resume and close succeed and
// leave the step to console_sync; vdc_vm_open gives the server cloud-init user data that
// registers zabbix-agent2 with the customer's token; no secret reaches the log or the output.
#include <catch2/catch.hpp>

#include "pm/console.hpp"
#include "pm/text.hpp"

#include "openstack_checks.hpp"

namespace pm::test {
namespace {

constexpr const char* k_console_password = "Zbx-c0nsole-Pa55word";

void check_no_secret(OpenStackEnv& env, const ProcessResult& r, ItemId item) {
    const auto log = read_file(env.log_file());
    for (const auto& secret : {std::string(k_console_password), std::string("Vdc-Secret-1"),
                               env.param(item, "console_user_password")}) {
        CHECK(log.find(secret) == std::string::npos);
        CHECK(r.out.find(secret) == std::string::npos);
    }
}

} // namespace

TEST_CASE("pmopenstack console: a console that is down never fails the VDC's operations",
          "[console]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    auto& store = env.store();
    store.set_module_param(env.module(), "console", "zabbix");
    store.set_module_param(env.module(), "console_url", "http://127.0.0.1:1/api_jsonrpc.php");
    store.set_module_param(env.module(), "console_username", "Admin");
    store.set_module_param(env.module(), "console_password", k_console_password);
    store.set_module_param(env.module(), "console_server_active", "127.0.0.1:10051");
    const auto item = env.add_vdc();
    (void)open_vdc(env, item);
    CHECK(env.param(item, "console_pending") == "open");
    CHECK(env.param(item, "console_token").size() == 24);

    const auto network = open_object(env, item, "network", {{"cidr", "10.1.0.0/24"}});
    const auto vm = env.add_object(
        item, "vm",
        {{"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", std::to_string(network.value())}});
    const auto r = env.run_object("vdc_vm_open", vm);
    require_ok(r);
    // The agent's settings travel base64-encoded in the server's user_data.
    const auto expected = base64(
        console::cloud_init({"127.0.0.1:10051", "cust=" + env.param(item, "console_token")}));
    CHECK(read_file(env.log_file()).find(expected) != std::string::npos);
    check_no_secret(env, r, item);

    require_ok(env.run("suspend", item));
    CHECK(env.param(item, "console_pending") == "suspend");
    require_ok(env.run("resume", item));
    CHECK(env.param(item, "console_pending") == "resume");
    const auto closed = env.run("close", item);
    require_ok(closed);
    CHECK(env.status(item) == store::ItemStatus::closed);
    CHECK(env.param(item, "console_pending") == "close");
    check_no_secret(env, closed, item);
}

} // namespace pm::test
