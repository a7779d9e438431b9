// The linked raw handler (bench/RefServers) relies on these from its own project's global usings.
global using Microsoft.AspNetCore.Connections;
global using AsgiBridge.TestSupport;
