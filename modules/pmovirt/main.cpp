#include "pm/runner.hpp"

#include "pmovirt/module.hpp"

int main(int argc, char** argv) {
    return pm::run(pm::ovirt::module_spec(), argc, argv);
}
