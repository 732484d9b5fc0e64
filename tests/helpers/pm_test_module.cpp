// A module made for testing the common runner end to end: the same pm::run() as the real
// binaries, with commands that succeed, fail, crash or hang on purpose.
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

#include "pm/context.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/runner.hpp"

namespace {

// Appends one line to $PM_TEST_EVENTS with a single O_APPEND write, so that lines of
// concurrent processes keep the order in which they happened.
void event(const std::string& what, const pm::Context& c) {
    const char* path = std::getenv("PM_TEST_EVENTS");
    if (path == nullptr) {
        throw std::runtime_error("PM_TEST_EVENTS is not set");
    }
    const std::string line =
        what + " " + std::to_string(c.operation ? c.operation->id.value() : 0) + "\n";
    const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("cannot write the events file");
    }
    ::close(fd);
}

// "start <op>", then waits until the file $PM_TEST_EVENTS.go exists, then "end <op>".
void gated(pm::Context& c) {
    event("start", c);
    const std::filesystem::path go = std::string(std::getenv("PM_TEST_EVENTS")) + ".go";
    while (!std::filesystem::exists(go)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    event("end", c);
}

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
        {"module_job", Scope::module, Mutation::read_only,
         "module-wide job: counts the module's 'widgets' param, fails when 'job_fail' is yes",
         [](pm::Context& c) {
             c.metrics->set("pm_test_widgets", "Widgets the job saw.",
                            static_cast<double>(c.module_params.get_int("widgets", 0)),
                            {{"colour", "blue \"sky\""}});
             if (c.module_params.get_or("job_fail", "no") == "yes") {
                 throw pm::OperationError("the job failed as asked");
             }
         }},
        {"object_info", Scope::object, Mutation::mutating, "needs a VDC object",
         [](pm::Context& c) { c.result.add("object", c.object->name); }},
        {"later", Scope::item, Mutation::mutating, "not implemented", {}},
        {"open", Scope::item, Mutation::mutating, "logs its start, waits for a go file", gated},
        {"close", Scope::item, Mutation::mutating, "logs its start, waits for a go file", gated},
    };
    return spec;
}

} // namespace

int main(int argc, char** argv) {
    return pm::run(test_spec(), argc, argv);
}
