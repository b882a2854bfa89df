<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>CommonOptions</name>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="49"/>
        <source>Database URL: sqlite:///path/vigil.db or postgres://user:pass@host:port/db (env VIGIL_DB; default: vigil.db in the application data folder).</source>
        <translation>Database URL: sqlite:///path/vigil.db or postgres://user:pass@host:port/db (env VIGIL_DB; default: vigil.db in the application data folder).</translation>
    </message>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="54"/>
        <source>Address and port of the HTTP interface (env VIGIL_LISTEN; default 127.0.0.1:8787).</source>
        <translation>Address and port of the HTTP interface (env VIGIL_LISTEN; default 127.0.0.1:8787).</translation>
    </message>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="58"/>
        <source>Bearer token of the admin API (env VIGIL_TOKEN).</source>
        <translation>Bearer token of the admin API (env VIGIL_TOKEN).</translation>
    </message>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="61"/>
        <source>Prefix of every table name (env VIGIL_TABLE_PREFIX; default vigil_).</source>
        <translation>Prefix of every table name (env VIGIL_TABLE_PREFIX; default vigil_).</translation>
    </message>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="65"/>
        <source>Settings file to read instead of the default one.</source>
        <translation>Settings file to read instead of the default one.</translation>
    </message>
</context>
<context>
    <name>vigil</name>
    <message>
        <location filename="../app/vigil/main.cpp" line="34"/>
        <source>Vigil: fleet liveness and workflow runs.</source>
        <translation>Vigil: fleet liveness and workflow runs.</translation>
    </message>
</context>
<context>
    <name>vigil::ui::MainWindow</name>
    <message>
        <location filename="../ui/mainwindow.cpp" line="9"/>
        <source>Vigil</source>
        <translation>Vigil</translation>
    </message>
</context>
</TS>
