// The OpenStack reply parsers (modules/pmopenstack/api/parse.hpp). The body is parsed as the
// client does; then every object parser reads the root, each member of the root (the
// {"server": {…}} envelope) and each element of an array member (the {"servers": […]} lists).
#include <vector>

#include "pm/json.hpp"

#include "fuzz.hpp"
#include "pmopenstack/api/parse.hpp"

namespace {

namespace api = pm::openstack::api;
using pm::fuzz::expect_only_pm_errors;
using pm::json::View;

void read_object(const View& view) {
    expect_only_pm_errors([&] { (void)api::parse_token(view); });
    expect_only_pm_errors([&] { (void)api::parse_project(view); });
    expect_only_pm_errors([&] { (void)api::parse_user(view); });
    expect_only_pm_errors([&] { (void)api::parse_named(view); });
    expect_only_pm_errors([&] { (void)api::parse_server(view); });
    expect_only_pm_errors([&] { (void)api::parse_volume(view); });
    expect_only_pm_errors([&] { (void)api::parse_network(view); });
    expect_only_pm_errors([&] { (void)api::parse_subnet(view); });
    expect_only_pm_errors([&] { (void)api::parse_router(view); });
    expect_only_pm_errors([&] { (void)api::parse_port(view); });
    expect_only_pm_errors([&] { (void)api::parse_loadbalancer(view); });
    expect_only_pm_errors([&] { (void)api::parse_limits(view); });
    expect_only_pm_errors([&] { (void)api::text(view, "name"); });
    expect_only_pm_errors([&] { (void)api::flag(view, "enabled", true); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = pm::fuzz::as_text(data, size);
    (void)api::parse_error(body); // documented not to throw: "empty when not one of those"
    expect_only_pm_errors([&] { (void)api::deserialize_token(body); });
    if (const auto at = api::parse_timestamp(body)) {
        // What was read must print and read back to the same second.
        const auto again = api::parse_timestamp(api::format_timestamp(*at));
        PM_FUZZ_CHECK(again.has_value());
        PM_FUZZ_CHECK(std::chrono::floor<std::chrono::seconds>(*again) ==
                      std::chrono::floor<std::chrono::seconds>(*at));
    }
    expect_only_pm_errors([&] {
        const auto doc = pm::json::parse(body, "fuzz reply");
        const View root = doc.root();
        read_object(root);
        if (!root.is_object()) {
            return;
        }
        for (const auto& member : root.members()) {
            read_object(member.value);
            if (member.value.is_array()) {
                for (const auto& item : member.value.items()) {
                    read_object(item);
                }
            }
        }
    });
    return 0;
}
