// The oVirt reply parsers, error decoder and search builder (modules/pmovirt/api/): every
// body goes to every parser, as a reply of an unexpected shape may reach any of them; the
// error decoder must answer for any body without throwing; a search value either is refused
// or comes back as the one quoted literal (or prefix) it was, with nothing added.
#include <string>

#include "fuzz.hpp"
#include "pmovirt/api/error.hpp"
#include "pmovirt/api/parse.hpp"
#include "pmovirt/api/search.hpp"

namespace {

namespace api = pm::ovirt::api;

void check_search(std::string_view value) {
    try {
        const std::string text = api::Search::name_is(value).text();
        PM_FUZZ_CHECK(text == "name=\"" + std::string(value) + "\"");
        PM_FUZZ_CHECK(value.find('"') == std::string_view::npos);
        PM_FUZZ_CHECK(value.find(' ') == std::string_view::npos);
        PM_FUZZ_CHECK(value.find('*') == std::string_view::npos);
    } catch (const pm::OperationError&) {
    }
    try {
        const std::string text = api::Search::name_starts(value).page(2).text();
        PM_FUZZ_CHECK(text == "name=" + std::string(value) + "* page 2");
        PM_FUZZ_CHECK(value.find_first_of("\" *") == std::string_view::npos);
    } catch (const pm::OperationError&) {
    }
    const std::string id = api::sanitized_correlation_id(value);
    PM_FUZZ_CHECK(id.size() <= 36);
    PM_FUZZ_CHECK(id.find_first_of("\" *.") == std::string::npos);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using pm::fuzz::expect_only_pm_errors;
    const std::string_view body = pm::fuzz::as_text(data, size);
    expect_only_pm_errors([&] { (void)api::parse_token(body); });
    expect_only_pm_errors([&] { (void)api::parse_api_root(body); });
    expect_only_pm_errors([&] { (void)api::parse_vm(body); });
    expect_only_pm_errors([&] {
        const auto vms = api::parse_vms(body);
        (void)api::find_vm_named(vms, "bm42");
    });
    expect_only_pm_errors([&] { (void)api::boot_attachment(api::parse_disk_attachments(body)); });
    expect_only_pm_errors([&] { (void)api::parse_disk_attachment(body); });
    expect_only_pm_errors([&] { (void)api::parse_disk(body); });
    expect_only_pm_errors(
        [&] { (void)api::newest_template(api::parse_templates(body), "debian12"); });
    expect_only_pm_errors([&] { (void)api::parse_template(body); });
    expect_only_pm_errors([&] { (void)api::parse_clusters(body); });
    expect_only_pm_errors([&] { (void)api::parse_storage_domains(body); });
    expect_only_pm_errors([&] { (void)api::parse_storage_domain(body); });
    expect_only_pm_errors([&] { (void)api::jobs_state(api::parse_jobs(body)); });
    expect_only_pm_errors([&] { (void)api::parse_job(body); });
    expect_only_pm_errors([&] { (void)api::parse_nics(body); });
    expect_only_pm_errors([&] { (void)api::parse_reported_devices(body); });
    expect_only_pm_errors([&] { (void)api::parse_action(body); });
    for (const long status : {401L, 404L, 409L}) {
        const auto error = api::decode_error(status, body); // never throws
        PM_FUZZ_CHECK(!error.message.empty());
        PM_FUZZ_CHECK(error.message.find('\n') == std::string::npos);
        PM_FUZZ_CHECK(error.is_auth == (error.kind == api::FaultKind::auth));
    }
    check_search(body);
    return 0;
}
