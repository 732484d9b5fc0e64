// A module made for testing the common runner end to end: the same pm::run() as the real
// binaries, with commands that succeed, fail, crash or hang on purpose.
#include <chrono>
#include <stdexcept>
#include <thread>

#include "pm/context.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/runner.hpp"

namespace {

pm::ModuleSpec test_spec() {
    using pm::Mutation;
    using pm::Scope;
    pm::ModuleSpec spec;
    spec.name = "pmtest";
    spec.itemtype = "vds";
    spec.summary = "pmtest: the runner's test module";
    spec.params = {{"url", "where", false}, {"password", "secret", true}};
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "features", {}},
        {"ok", Scope::item, Mutation::mutating, "succeeds",
         [](pm::Context& c) {
             c.result.add("item", std::to_string(c.item->id.value()));
             c.result.add("module", c.module->name);
         }},
        {"fail", Scope::item, Mutation::mutating, "fails with the item password in the text",
         [](pm::Context& c) {
             throw pm::OperationError("remote refused: wrong root password " +
                                      c.item_params.get_or("password", "?"));
         }},
        {"fail_reason", Scope::item, Mutation::mutating, "fails with the item's 'reason' param",
         [](pm::Context& c) {
             throw pm::OperationError("remote said: " + c.item_params.get_or("reason", "?"));
         }},
        {"crash", Scope::item, Mutation::mutating, "throws a plain exception",
         [](pm::Context&) { throw std::runtime_error("unexpected state"); }},
        {"hang", Scope::item, Mutation::mutating, "sleeps until stopped",
         [](pm::Context&) {
             pm::log::info("hanging");
             std::this_thread::sleep_for(std::chrono::hours(1));
         }},
        {"module_info", Scope::module, Mutation::read_only, "module-wide, read-only",
         [](pm::Context& c) { c.result.add("module", c.module->name); }},
        {"object_info", Scope::object, Mutation::mutating, "needs a VDC object",
         [](pm::Context& c) { c.result.add("object", c.object->name); }},
        {"later", Scope::item, Mutation::mutating, "not implemented", {}},
    };
    return spec;
}

} // namespace

int main(int argc, char** argv) {
    return pm::run(test_spec(), argc, argv);
}
