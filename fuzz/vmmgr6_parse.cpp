// The VMmanager 6 reply parsers (modules/pmvmmgr6/api/parse.hpp): every reply body goes to
// every parser, as a reply of an unexpected shape may reach any of them.
#include "fuzz.hpp"
#include "pmvmmgr6/api/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace api = pm::vmmgr6::api;
    using pm::fuzz::expect_only_pm_errors;
    const std::string_view body = pm::fuzz::as_text(data, size);
    expect_only_pm_errors([&] { (void)api::parse_token(body); });
    expect_only_pm_errors([&] { (void)api::parse_user(body); });
    expect_only_pm_errors([&] { (void)api::parse_clusters(body); });
    expect_only_pm_errors([&] { (void)api::parse_os_list(body); });
    expect_only_pm_errors([&] { (void)api::parse_first_id(body); });
    expect_only_pm_errors([&] { (void)api::parse_ipv4_list(body); });
    expect_only_pm_errors([&] { (void)api::parse_hosts(body); });
    expect_only_pm_errors([&] { (void)api::parse_id(body, "reply"); });
    expect_only_pm_errors([&] { (void)api::parse_task(body, "reply", "host_start"); });
    expect_only_pm_errors([&] { (void)api::parse_recipe_run(body); });
    expect_only_pm_errors([&] { (void)api::parse_created(body); });
    expect_only_pm_errors([&] { (void)api::parse_restart(body); });
    expect_only_pm_errors([&] { (void)api::parse_task_status(body); });
    return 0;
}
