#include "pmovirt/api/parse.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/json.hpp"

#include "pmovirt/api/error.hpp"

namespace pm::ovirt::api {
namespace {

using json::View;

// A descriptive string (name, description, fqdn): a non-string value is not worth failing a
// reply for, so it reads as empty.
std::string text(const View& object, std::string_view key) {
    const auto value = object.find(key);
    return value && value->is_string() ? value->as_string() : std::string();
}

// An id the engine assigned (a UUID string, §3.2); required and never empty.
std::string required_id(const View& object) {
    auto id = object.at("id").as_string();
    if (id.empty()) {
        throw ProtocolError(fmt::format("{}: empty id", object.at("id").path()));
    }
    return id;
}

// Integers come as digit strings ("1073741824") and possibly as numbers (§3.2 [C]/[I]).
std::optional<std::int64_t> integer(const View& object, std::string_view key) {
    const auto value = object.find(key);
    if (!value) {
        return std::nullopt;
    }
    return value->as_int64_or_string();
}

std::int64_t integer_or_zero(const View& object, std::string_view key) {
    return integer(object, key).value_or(0);
}

// Booleans come as "true"/"false" and possibly as JSON booleans (§3.2).
bool flag(const View& object, std::string_view key) {
    const auto value = object.find(key);
    return value && value->as_bool_or_string();
}

// `{"href":…,"id":…}` references to other entities (§3.2); "" when absent.
std::string ref_id(const View& object, std::string_view key) {
    const auto value = object.find(key);
    if (!value) {
        return {};
    }
    const auto id = value->find("id");
    return id ? id->as_string() : std::string();
}

// A list value: an array, or (tolerated) a single object standing for a list of one.
std::vector<View> list_value(const View& value) {
    if (value.is_object()) {
        return {value};
    }
    return value.items();
}

// A top-level collection `{"vm":[…]}`; `{}` and a null or empty list are empty (§3.2 [I]).
std::vector<View> collection(const json::Document& doc, std::string_view key) {
    const auto root = doc.root();
    const auto list = root.find(key); // throws unless root is an object
    return list ? list_value(*list) : std::vector<View>{};
}

// A nested list wrapped twice, `"nics":{"nic":[…]}` (§3.2 [C]); an absent or `{}` wrapper is
// empty. A wrapper that is itself the array is read too.
std::vector<View> nested(const View& object, std::string_view outer, std::string_view inner) {
    const auto wrapper = object.find(outer);
    if (!wrapper) {
        return {};
    }
    if (wrapper->is_array()) {
        return wrapper->items();
    }
    const auto list = wrapper->find(inner);
    return list ? list_value(*list) : std::vector<View>{};
}

// The reply's root, which must be an object (an entity has no wrapper: §3.2).
View object_root(const json::Document& doc) {
    const auto root = doc.root();
    static_cast<void>(root.find("id")); // ProtocolError naming the reply unless an object
    return root;
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

template <typename Enum, std::size_t N>
Enum enum_of(std::string_view text, const std::array<std::pair<const char*, Enum>, N>& names,
             Enum fallback) {
    const std::string key = lowered(std::string(text));
    for (const auto& [name, value] : names) {
        if (key == name) {
            return value;
        }
    }
    return fallback;
}

constexpr std::array<std::pair<const char*, VmStatus>, 15> k_vm_statuses{{
    {"unassigned", VmStatus::unassigned},
    {"down", VmStatus::down},
    {"up", VmStatus::up},
    {"powering_up", VmStatus::powering_up},
    {"paused", VmStatus::paused},
    {"migrating", VmStatus::migrating},
    {"unknown", VmStatus::unknown},
    {"not_responding", VmStatus::not_responding},
    {"wait_for_launch", VmStatus::wait_for_launch},
    {"reboot_in_progress", VmStatus::reboot_in_progress},
    {"saving_state", VmStatus::saving_state},
    {"restoring_state", VmStatus::restoring_state},
    {"suspended", VmStatus::suspended},
    {"image_locked", VmStatus::image_locked},
    {"powering_down", VmStatus::powering_down},
}};

constexpr std::array<std::pair<const char*, DiskStatus>, 3> k_disk_statuses{
    {{"ok", DiskStatus::ok}, {"locked", DiskStatus::locked}, {"illegal", DiskStatus::illegal}}};
constexpr std::array<std::pair<const char*, TemplateStatus>, 3> k_template_statuses{
    {{"ok", TemplateStatus::ok},
     {"locked", TemplateStatus::locked},
     {"illegal", TemplateStatus::illegal}}};
constexpr std::array<std::pair<const char*, JobStatus>, 5> k_job_statuses{{
    {"started", JobStatus::started},
    {"finished", JobStatus::finished},
    {"failed", JobStatus::failed},
    {"aborted", JobStatus::aborted},
    {"unknown", JobStatus::unknown},
}};

CpuTopology read_topology(const View& owner) {
    CpuTopology cpu;
    const auto c = owner.find("cpu");
    if (!c) {
        return cpu;
    }
    if (const auto topology = c->find("topology")) {
        cpu.sockets = integer_or_zero(*topology, "sockets");
        cpu.cores = integer_or_zero(*topology, "cores");
        cpu.threads = integer_or_zero(*topology, "threads");
    }
    return cpu;
}

Disk read_disk(const View& d) {
    Disk disk;
    disk.id = required_id(d);
    disk.name = text(d, "name");
    if (disk.name.empty()) {
        disk.name = text(d, "alias");
    }
    if (const auto status = d.find("status")) {
        disk.status_text = status->as_string();
        disk.status = enum_of(disk.status_text, k_disk_statuses, DiskStatus::unrecognised);
    }
    disk.provisioned_size = integer(d, "provisioned_size");
    disk.actual_size = integer(d, "actual_size");
    disk.format = text(d, "format");
    for (const auto& domain : nested(d, "storage_domains", "storage_domain")) {
        disk.storage_domain_ids.push_back(required_id(domain));
    }
    return disk;
}

DiskAttachment read_attachment(const View& a) {
    DiskAttachment attachment;
    attachment.id = required_id(a);
    attachment.bootable = flag(a, "bootable");
    attachment.active = flag(a, "active");
    attachment.interface = text(a, "interface");
    attachment.disk = read_disk(a.at("disk"));
    return attachment;
}

ReportedDevice read_reported_device(const View& r) {
    ReportedDevice device;
    device.name = text(r, "name");
    device.type = text(r, "type");
    if (const auto mac = r.find("mac")) {
        device.mac = text(*mac, "address");
    }
    for (const auto& ip : nested(r, "ips", "ip")) {
        device.ips.push_back({ip.at("address").as_string(), text(ip, "version")});
    }
    return device;
}

Nic read_nic(const View& n) {
    Nic nic;
    nic.id = required_id(n);
    nic.name = text(n, "name");
    nic.interface = text(n, "interface");
    if (const auto mac = n.find("mac")) {
        nic.mac = text(*mac, "address");
    }
    nic.vnic_profile_id = ref_id(n, "vnic_profile");
    nic.plugged = flag(n, "plugged");
    for (const auto& r : nested(n, "reported_devices", "reported_device")) {
        nic.reported_devices.push_back(read_reported_device(r));
    }
    return nic;
}

Vm read_vm(const View& v) {
    Vm vm;
    vm.id = required_id(v);
    vm.name = text(v, "name");
    vm.status_text = v.at("status").as_string();
    vm.status = vm_status_of(vm.status_text);
    vm.description = text(v, "description");
    vm.comment = text(v, "comment");
    vm.memory = integer_or_zero(v, "memory");
    if (const auto policy = v.find("memory_policy")) {
        vm.memory_policy.guaranteed = integer_or_zero(*policy, "guaranteed");
        vm.memory_policy.max = integer_or_zero(*policy, "max");
    }
    vm.cpu = read_topology(v);
    vm.template_id = ref_id(v, "template");
    vm.cluster_id = ref_id(v, "cluster");
    if (const auto os = v.find("os")) {
        vm.os_type = text(*os, "type");
    }
    vm.fqdn = text(v, "fqdn");
    if (const auto init = v.find("initialization")) {
        vm.host_name = text(*init, "host_name");
    }
    vm.stateless = flag(v, "stateless");
    vm.run_once = flag(v, "run_once");
    vm.next_run_configuration_exists = flag(v, "next_run_configuration_exists");
    vm.creation_status = text(v, "creation_status");
    // Epoch milliseconds, JSON numbers per the web UI (§3.2 [C]); digit strings read too.
    vm.creation_time = integer(v, "creation_time");
    vm.start_time = integer(v, "start_time");
    vm.stop_time = integer(v, "stop_time");
    for (const auto& a : nested(v, "disk_attachments", "disk_attachment")) {
        vm.disk_attachments.push_back(read_attachment(a));
    }
    for (const auto& n : nested(v, "nics", "nic")) {
        vm.nics.push_back(read_nic(n));
    }
    return vm;
}

Template read_template(const View& t) {
    Template tpl;
    tpl.id = required_id(t);
    tpl.name = text(t, "name");
    tpl.description = text(t, "description");
    if (const auto status = t.find("status")) {
        tpl.status_text = status->as_string();
        tpl.status = enum_of(tpl.status_text, k_template_statuses, TemplateStatus::unrecognised);
    }
    if (const auto version = t.find("version")) {
        tpl.version.number = integer_or_zero(*version, "version_number");
        tpl.version.name = text(*version, "version_name");
        tpl.version.base_template_id = ref_id(*version, "base_template");
    }
    tpl.memory = integer_or_zero(t, "memory");
    tpl.cpu = read_topology(t);
    if (const auto os = t.find("os")) {
        tpl.os_type = text(*os, "type");
    }
    return tpl;
}

StorageDomain read_storage_domain(const View& s) {
    StorageDomain domain;
    domain.id = required_id(s);
    domain.name = text(s, "name");
    domain.type = text(s, "type");
    domain.status = text(s, "status");
    domain.available = integer(s, "available");
    domain.used = integer(s, "used");
    domain.committed = integer(s, "committed");
    return domain;
}

Job read_job(const View& j) {
    Job job;
    job.id = required_id(j);
    job.description = text(j, "description");
    job.status_text = j.at("status").as_string();
    job.status = enum_of(job.status_text, k_job_statuses, JobStatus::unrecognised);
    job.start_time = integer(j, "start_time");
    job.end_time = integer(j, "end_time");
    return job;
}

template <typename T, typename Read>
std::vector<T> read_all(const std::vector<View>& views, Read read) {
    std::vector<T> out;
    out.reserve(views.size());
    for (const auto& view : views) {
        out.push_back(read(view));
    }
    return out;
}

} // namespace

VmStatus vm_status_of(std::string_view text) {
    return enum_of(text, k_vm_statuses, VmStatus::unrecognised);
}

const char* to_string(VmStatus status) {
    for (const auto& [name, value] : k_vm_statuses) {
        if (value == status) {
            return name;
        }
    }
    return "unrecognised";
}

Token parse_token(std::string_view body) {
    const auto doc = json::parse(body, "reply of sso token");
    auto root = doc.root();
    if (root.is_array()) {
        root = root.at(std::size_t{0});
    }
    if (!root.is_object()) {
        throw ProtocolError(fmt::format("reply of sso token: {}: expected object, got {}",
                                        root.path(), root.type_name()));
    }
    if (root.find("error")) {
        // An SSO failure that came with a 2xx: the same shapes as with its usual 400 (§2.1).
        const auto error = decode_error(200, body);
        throw AuthError(fmt::format("oVirt SSO: {}", error.message), 200, error.message);
    }
    Token token;
    token.access_token = root.at("access_token").as_string();
    if (token.access_token.empty()) {
        throw ProtocolError("reply of sso token: $.access_token: empty");
    }
    token.token_type = text(root, "token_type");
    token.scope = text(root, "scope");
    return token;
}

ProductInfo parse_api_root(std::string_view body) {
    const auto doc = json::parse(body, "reply of api root");
    const auto info = object_root(doc).at("product_info");
    ProductInfo product{text(info, "name"), text(info, "vendor"), {}};
    if (const auto version = info.find("version")) {
        product.version = text(*version, "full_version");
        if (product.version.empty()) {
            product.version = fmt::format("{}.{}", integer_or_zero(*version, "major"),
                                          integer_or_zero(*version, "minor"));
        }
    }
    return product;
}

Vm parse_vm(std::string_view body) {
    const auto doc = json::parse(body, "reply of vm");
    return read_vm(object_root(doc));
}

std::vector<Vm> parse_vms(std::string_view body) {
    const auto doc = json::parse(body, "reply of vms");
    return read_all<Vm>(collection(doc, "vm"), read_vm);
}

std::optional<Vm> find_vm_named(const std::vector<Vm>& vms, std::string_view name) {
    const auto it =
        std::find_if(vms.begin(), vms.end(), [&](const Vm& vm) { return vm.name == name; });
    return it == vms.end() ? std::nullopt : std::optional<Vm>(*it);
}

std::vector<DiskAttachment> parse_disk_attachments(std::string_view body) {
    const auto doc = json::parse(body, "reply of disk attachments");
    return read_all<DiskAttachment>(collection(doc, "disk_attachment"), read_attachment);
}

DiskAttachment parse_disk_attachment(std::string_view body) {
    const auto doc = json::parse(body, "reply of disk attachment");
    return read_attachment(object_root(doc));
}

Disk parse_disk(std::string_view body) {
    const auto doc = json::parse(body, "reply of disk");
    return read_disk(object_root(doc));
}

std::optional<DiskAttachment> boot_attachment(const std::vector<DiskAttachment>& attachments) {
    const auto it = std::find_if(attachments.begin(), attachments.end(),
                                 [](const DiskAttachment& a) { return a.bootable; });
    if (it != attachments.end()) {
        return *it;
    }
    if (attachments.size() == 1) {
        return attachments.front();
    }
    return std::nullopt;
}

std::vector<Template> parse_templates(std::string_view body) {
    const auto doc = json::parse(body, "reply of templates");
    return read_all<Template>(collection(doc, "template"), read_template);
}

Template parse_template(std::string_view body) {
    const auto doc = json::parse(body, "reply of template");
    return read_template(object_root(doc));
}

std::optional<Template> newest_template(const std::vector<Template>& templates,
                                        std::string_view name) {
    const Template* best = nullptr;
    for (const auto& tpl : templates) {
        if (tpl.name == name && (!best || tpl.version.number > best->version.number)) {
            best = &tpl;
        }
    }
    return best ? std::optional<Template>(*best) : std::nullopt;
}

std::vector<Cluster> parse_clusters(std::string_view body) {
    const auto doc = json::parse(body, "reply of clusters");
    return read_all<Cluster>(collection(doc, "cluster"), [](const View& c) {
        return Cluster{required_id(c), text(c, "name"), ref_id(c, "data_center")};
    });
}

std::vector<VnicProfile> parse_vnic_profiles(std::string_view body) {
    const auto doc = json::parse(body, "reply of vnic profiles");
    return read_all<VnicProfile>(collection(doc, "vnic_profile"), [](const View& p) {
        return VnicProfile{required_id(p), text(p, "name"), ref_id(p, "network")};
    });
}

std::vector<StorageDomain> parse_storage_domains(std::string_view body) {
    const auto doc = json::parse(body, "reply of storage domains");
    return read_all<StorageDomain>(collection(doc, "storage_domain"), read_storage_domain);
}

StorageDomain parse_storage_domain(std::string_view body) {
    const auto doc = json::parse(body, "reply of storage domain");
    return read_storage_domain(object_root(doc));
}

std::vector<Job> parse_jobs(std::string_view body) {
    const auto doc = json::parse(body, "reply of jobs");
    return read_all<Job>(collection(doc, "job"), read_job);
}

Job parse_job(std::string_view body) {
    const auto doc = json::parse(body, "reply of job");
    return read_job(object_root(doc));
}

std::vector<Nic> parse_nics(std::string_view body) {
    const auto doc = json::parse(body, "reply of nics");
    return read_all<Nic>(collection(doc, "nic"), read_nic);
}

std::vector<ReportedDevice> parse_reported_devices(std::string_view body) {
    const auto doc = json::parse(body, "reply of reported devices");
    return read_all<ReportedDevice>(collection(doc, "reported_device"), read_reported_device);
}

ActionResult parse_action(std::string_view body) {
    ActionResult result;
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        result.status = "complete";
        return result;
    }
    const auto doc = json::parse(body, "reply of action");
    const auto root = object_root(doc);
    result.status = text(root, "status");
    if (result.status.empty()) {
        result.status = "complete";
    }
    result.job_id = ref_id(root, "job");
    result.async = flag(root, "async");
    if (root.find("fault") || result.status == "failed") {
        result.fault = decode_error(200, body).message;
    }
    return result;
}

JobsState jobs_state(const std::vector<Job>& jobs) {
    const auto any = [&](auto predicate) {
        return std::any_of(jobs.begin(), jobs.end(), predicate);
    };
    if (any([](const Job& j) { return j.status == JobStatus::started; })) {
        return JobsState::running;
    }
    if (any([](const Job& j) {
            return j.status == JobStatus::failed || j.status == JobStatus::aborted;
        })) {
        return JobsState::failed;
    }
    return JobsState::finished;
}

} // namespace pm::ovirt::api
