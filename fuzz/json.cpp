// The checked JSON reader (common/include/pm/json.hpp): parse any text, then walk the document
// with every accessor, right and wrong types alike. Bad input must end in ProtocolError only.
#include "pm/json.hpp"

#include <string>

#include "fuzz.hpp"

namespace {

using pm::json::View;

void read_all(const View& view, int depth) {
    using pm::fuzz::expect_only_pm_errors;
    expect_only_pm_errors([&] { (void)view.as_string(); });
    expect_only_pm_errors([&] { (void)view.as_int64(); });
    expect_only_pm_errors([&] { (void)view.as_double(); });
    expect_only_pm_errors([&] { (void)view.as_bool(); });
    expect_only_pm_errors([&] { (void)view.as_int64_or_string(); });
    expect_only_pm_errors([&] { (void)view.size(); });
    expect_only_pm_errors([&] { (void)view.at("id"); });
    expect_only_pm_errors([&] { (void)view.find("id"); });
    expect_only_pm_errors([&] { (void)view.at(std::size_t{0}); });
    expect_only_pm_errors([&] { (void)view.at(std::size_t{1} << 40U); });
    (void)view.type_name();
    (void)view.path();
    if (depth > 64) {
        return; // deep enough; keeps a single input's run short
    }
    if (view.is_array()) {
        for (const auto& item : view.items()) {
            read_all(item, depth + 1);
        }
    } else if (view.is_object()) {
        for (const auto& member : view.members()) {
            PM_FUZZ_CHECK(view.at(member.name).type_name() == member.value.type_name() ||
                          view.size() > 1); // duplicate keys: at() gives one of them
            read_all(member.value, depth + 1);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pm::fuzz::expect_only_pm_errors([&] {
        const auto doc = pm::json::parse(pm::fuzz::as_text(data, size), "fuzz input");
        read_all(doc.root(), 0);
    });
    return 0;
}
