// The store-param parsers (common/include/pm/params.hpp): parse_bool, parse_int and every
// getter of Params over values taken from the input (lines of name=value), and the IPv4 range
// lists of ipv4_range (pm/ipv4.hpp). A bad value must end in ConfigError only.
#include "pm/params.hpp"

#include <string>

#include "pm/ipv4.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using pm::fuzz::expect_only_pm_errors;
    const std::string_view text = pm::fuzz::as_text(data, size);
    if (const auto number = pm::parse_int(text)) {
        // A whole decimal integer prints and reads back to itself.
        PM_FUZZ_CHECK(pm::parse_int(std::to_string(*number)) == number);
    }
    if (const auto flag = pm::parse_bool(text)) {
        PM_FUZZ_CHECK(pm::parse_bool(*flag ? "on" : "off") == flag);
    }
    if (const auto address = pm::ipv4::parse_address(text)) {
        PM_FUZZ_CHECK(pm::ipv4::parse_address(pm::ipv4::format(*address)) == address);
    }
    expect_only_pm_errors([&] {
        const auto ranges = pm::ipv4::parse_ranges(text, "fuzz");
        // Sorted, each first <= last, apart by more than one address (merged otherwise).
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            PM_FUZZ_CHECK(ranges[i].first <= ranges[i].last);
            PM_FUZZ_CHECK(i == 0 || ranges[i].first > std::uint64_t{ranges[i - 1].last} + 1);
        }
    });
    pm::ParamMap values;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        const auto line = text.substr(start, end - start);
        const auto equals = line.find('=');
        if (equals != std::string_view::npos) {
            values[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
        }
        start = end + 1;
    }
    pm::Params params("fuzz", values);
    for (const auto& [name, value] : values) {
        (void)params.get(name);
        (void)params.get_or(name, "x");
        (void)params.contains(name);
        (void)params.get_list(name);
        expect_only_pm_errors([&] { (void)params.require(name); });
        expect_only_pm_errors([&] { (void)params.get_int(name); });
        expect_only_pm_errors([&] { (void)params.get_int(name, 7); });
        expect_only_pm_errors([&] { (void)params.require_int(name); });
        expect_only_pm_errors([&] { (void)params.get_bool(name); });
        expect_only_pm_errors([&] { (void)params.get_bool(name, true); });
        for (const auto& item : params.get_list(name)) {
            PM_FUZZ_CHECK(!item.empty());
        }
    }
    return 0;
}
