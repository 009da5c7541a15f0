import { loadDataModel } from './datamodel';
import { renderCreateDdl } from './ddl';

// `npm run db:ddl`: the full DDL of prisma/schema.prisma, for writing a migration offline.
process.stdout.write(renderCreateDdl(loadDataModel()));
