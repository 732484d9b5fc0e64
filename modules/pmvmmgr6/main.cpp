#include "pm/runner.hpp"

#include "pmvmmgr6/module.hpp"

int main(int argc, char** argv) {
    return pm::run(pm::vmmgr6::module_spec(), argc, argv);
}
