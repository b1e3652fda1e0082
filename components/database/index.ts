export * from "./cloudSqlPostgres";
