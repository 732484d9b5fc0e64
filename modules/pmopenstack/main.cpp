#include "pm/runner.hpp"

#include "pmopenstack/module.hpp"

int main(int argc, char** argv) {
    return pm::run(pm::openstack::module_spec(), argc, argv);
}
